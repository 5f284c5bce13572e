import { type KeyObject } from 'node:crypto';
import {
  DaemonError,
  HttpRequestError,
  JSON_REQUEST_TIMEOUT_MS,
  requestJson,
  sleep,
  type Clock,
  type JsonResponse,
} from '../../shared/index.js';
import {
  readChallenge,
  readLoginResult,
  readRegistration,
  workerErrorText,
  type LoginResult,
  type Read,
} from './auth-worker-responses.js';
import { assertClientId } from './client-id.js';
import { withLoginLock } from './login-lock.js';
import { isRetryableStatus, retryDelay } from './retry.js';
import { signChallenge } from './signing.js';

/**
 * Client of the Cloudflare auth worker (spec cloudflare.md §1): POST /challenge, sign it with the
 * client's RSA key, POST /verify for the token, the access token and the worker's secrets.
 *
 * - One login at a time per worker and client id, across client objects (a new challenge voids
 *   the outstanding one).
 * - Network errors, timeouts, 5xx and 429 are retried with back-off up to `retryMax` times; each
 *   try starts from a fresh challenge, because a verify that reached the worker used it up.
 * - A 401 from /verify is retried once more with a fresh challenge (a concurrent login elsewhere
 *   may have voided ours); other 4xx answers are final.
 * - Messages name the step, the HTTP status and the worker's text, never a signature, token,
 *   access token or secret value.
 */

export type AuthStep = 'challenge' | 'sign' | 'verify' | 'register';

export interface AuthWorkerClientOptions {
  workerUrl: string;
  clientId: string;
  /** The key, or a loader called at each login (so a replaced key file is picked up). */
  privateKey: KeyObject | (() => Promise<KeyObject>);
  retryMax: number;
  retryBackoffMs: number;
  /** Deadline of each HTTP exchange; default 10 s. */
  timeoutMs?: number;
  /** Back-off waits run on this clock. */
  clock: Clock;
  random?: () => number;
}

export interface LoginOptions {
  includeRepoList?: boolean;
  /** Makes the worker store the returned accessToken for /tunnel/register. */
  tunnelUrl?: string;
  /** Both or neither. */
  repoUrl?: string;
  grpcEndpoint?: string;
}

/** A failure that another try may cure (or, when `final`, a transport failure that will not). */
class TryFailure extends Error {
  constructor(
    readonly step: AuthStep,
    readonly problem: string,
    readonly status: number | undefined,
    readonly final = false,
  ) {
    super(problem);
  }
}

export class AuthWorkerClient {
  readonly clientId: string;
  private readonly baseUrl: string;
  private readonly origin: string;
  private readonly options: AuthWorkerClientOptions;
  private readonly random: () => number;

  constructor(options: AuthWorkerClientOptions) {
    assertClientId(options.clientId);
    let url: URL;
    try {
      url = new URL(options.workerUrl);
    } catch {
      throw new DaemonError(
        'invalid_argument',
        `auth worker URL ${JSON.stringify(options.workerUrl)} is not a valid URL`,
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new DaemonError(
        'invalid_argument',
        `auth worker URL ${JSON.stringify(options.workerUrl)} must start with https:// (or http://)`,
      );
    }
    if (!Number.isInteger(options.retryMax) || options.retryMax < 0) {
      throw new DaemonError(
        'invalid_argument',
        `retry_max must be a whole number >= 0, got ${options.retryMax}`,
      );
    }
    if (!Number.isFinite(options.retryBackoffMs) || options.retryBackoffMs < 0) {
      throw new DaemonError(
        'invalid_argument',
        `retry_backoff must be >= 0 ms, got ${options.retryBackoffMs}`,
      );
    }
    this.clientId = options.clientId;
    this.baseUrl = options.workerUrl.replace(/\/+$/, '');
    this.origin = url.origin;
    this.options = options;
    this.random = options.random ?? Math.random;
  }

  /** True when GET /health answers 200 {"status":"ok"}; never throws, never retries. */
  async health(): Promise<boolean> {
    try {
      const response = await this.send('GET', '/health', undefined);
      const body = response.body as { status?: unknown } | undefined;
      return response.status === 200 && body?.status === 'ok';
    } catch {
      return false;
    }
  }

  async login(options: LoginOptions = {}): Promise<LoginResult> {
    const verifyExtras = this.verifyExtras(options);
    // Normalised (host case, default port), so two clients of one worker share the lock.
    const lockKey = `${new URL(this.baseUrl).href.replace(/\/+$/, '')}\n${this.clientId}`;
    return withLoginLock(lockKey, async () => {
      const key = await this.resolveKey();
      let freshChallengeUsed = false;
      return this.withRetries(async () => {
        try {
          return await this.challengeAndVerify(key, verifyExtras);
        } catch (error) {
          const isVerify401 =
            error instanceof DaemonError &&
            error.code === 'cloudflare_auth_failed' &&
            error.details['step'] === 'verify' &&
            error.details['status'] === 401;
          if (!isVerify401 || freshChallengeUsed) throw error;
          freshChallengeUsed = true;
          return this.challengeAndVerify(key, verifyExtras);
        }
      });
    });
  }

  /** POST /tunnel/register with the accessToken of a login that carried this tunnel URL. */
  async registerTunnel(tunnelUrl: string, accessToken: string): Promise<void> {
    if (typeof tunnelUrl !== 'string' || tunnelUrl === '') {
      throw new DaemonError('invalid_argument', 'registerTunnel needs a tunnel URL');
    }
    if (typeof accessToken !== 'string' || accessToken === '') {
      throw new DaemonError('invalid_argument', 'registerTunnel needs the access token of a login');
    }
    await this.withRetries(async () => {
      const body = { clientId: this.clientId, tunnelUrl, token: accessToken };
      const response = await this.call('register', '/tunnel/register', body, [accessToken]);
      this.accept('register', response, readRegistration(response.body));
    });
  }

  private verifyExtras(options: LoginOptions): Record<string, unknown> {
    const hasRepoUrl = options.repoUrl !== undefined;
    if (hasRepoUrl !== (options.grpcEndpoint !== undefined)) {
      throw new DaemonError(
        'invalid_argument',
        'login needs repoUrl and grpcEndpoint together, or neither (the auth worker refuses one alone)',
      );
    }
    if (options.tunnelUrl === '') {
      throw new DaemonError('invalid_argument', 'login tunnelUrl must not be empty');
    }
    return {
      ...(hasRepoUrl ? { repoUrl: options.repoUrl, grpcEndpoint: options.grpcEndpoint } : {}),
      ...(options.includeRepoList === true ? { includeRepoList: true } : {}),
      ...(options.tunnelUrl !== undefined ? { tunnelUrl: options.tunnelUrl } : {}),
    };
  }

  private async resolveKey(): Promise<KeyObject> {
    const { privateKey } = this.options;
    return typeof privateKey === 'function' ? privateKey() : privateKey;
  }

  private async challengeAndVerify(
    key: KeyObject,
    extras: Record<string, unknown>,
  ): Promise<LoginResult> {
    const challengeResponse = await this.call(
      'challenge',
      '/challenge',
      { clientId: this.clientId },
      [],
    );
    const challenge = this.accept(
      'challenge',
      challengeResponse,
      readChallenge(challengeResponse.body),
    );
    const signature = this.sign(challenge, key);
    const body = { clientId: this.clientId, challenge, signature, ...extras };
    const verifyResponse = await this.call('verify', '/verify', body, [signature]);
    return this.accept('verify', verifyResponse, readLoginResult(verifyResponse.body));
  }

  private sign(challenge: string, key: KeyObject): string {
    try {
      return signChallenge(challenge, key);
    } catch (error) {
      if (error instanceof DaemonError) throw error;
      throw new DaemonError(
        'cloudflare_auth_failed',
        `auth worker sign failed: could not sign the challenge (${(error as Error).message}) (client id "${this.clientId}")`,
        { details: { step: 'sign' }, cause: error },
      );
    }
  }

  private accept<T>(step: AuthStep, response: JsonResponse, read: Read<T>): T {
    if (read.ok) return read.value;
    throw new DaemonError(
      'cloudflare_auth_failed',
      `auth worker ${step} failed: malformed response (HTTP ${response.status}: ${read.problem}) (client id "${this.clientId}")`,
      { details: { step, status: response.status } },
    );
  }

  /** One exchange: a 2xx response, a TryFailure, or cloudflare_auth_failed for a final answer. */
  private async call(
    step: AuthStep,
    path: string,
    body: unknown,
    sensitive: readonly string[],
  ): Promise<JsonResponse> {
    let response: JsonResponse;
    try {
      response = await this.send('POST', path, body);
    } catch (error) {
      if (error instanceof HttpRequestError) {
        throw new TryFailure(step, error.message, undefined, !error.retryable);
      }
      throw error;
    }
    const { status } = response;
    if (status >= 200 && status < 300) return response;
    const text = workerErrorText(response.body, response.text, sensitive);
    const problem = `HTTP ${status}${text === '' ? '' : ` ${JSON.stringify(text)}`}`;
    if (isRetryableStatus(status)) throw new TryFailure(step, problem, status);
    const hint = this.hint(step, status);
    throw new DaemonError(
      'cloudflare_auth_failed',
      `auth worker ${step} failed: ${problem} (client id "${this.clientId}"${hint === '' ? '' : `; ${hint}`})`,
      { details: { step, status } },
    );
  }

  private hint(step: AuthStep, status: number): string {
    if (status === 401 && step === 'challenge') {
      return "check that the worker's AUTHORIZED_CLIENTS has an entry for this client id";
    }
    if (status === 401 && step === 'verify') {
      return "check that the worker's AUTHORIZED_CLIENTS holds this client's public key";
    }
    if (status === 401 && step === 'register') {
      return 'the worker did not accept the access token for this tunnel URL';
    }
    if (status === 404) return `check the worker URL (${this.origin})`;
    if (status === 403)
      return `check the worker URL (${this.origin}) and any access policy in front of it`;
    return '';
  }

  private send(method: 'GET' | 'POST', path: string, body: unknown): Promise<JsonResponse> {
    return requestJson({
      method,
      url: `${this.baseUrl}${path}`,
      ...(body === undefined ? {} : { body }),
      timeoutMs: this.options.timeoutMs ?? JSON_REQUEST_TIMEOUT_MS,
    });
  }

  private async withRetries<T>(attempt: () => Promise<T>): Promise<T> {
    for (let failures = 1; ; failures++) {
      try {
        return await attempt();
      } catch (error) {
        if (!(error instanceof TryFailure)) throw error;
        if (error.final || failures > this.options.retryMax) {
          throw new DaemonError(
            'cloudflare_unavailable',
            `auth worker ${error.step} failed after ${failures} attempt${failures === 1 ? '' : 's'}: ${error.problem} (worker ${this.origin}, client id "${this.clientId}")`,
            {
              details: {
                step: error.step,
                attempts: failures,
                ...(error.status === undefined ? {} : { status: error.status }),
              },
            },
          );
        }
        await sleep(
          this.options.clock,
          retryDelay(failures - 1, this.options.retryBackoffMs, this.random()),
        );
      }
    }
  }
}
