import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { DaemonError, FakeClock, systemClock, type CancelTimer } from '../../shared/index.js';
import {
  startFakeAuthWorker,
  type FakeAuthWorker,
  type FakeAuthWorkerOptions,
} from '../../../test/fakes/auth-worker.js';
import { closedPort } from '../../../test/helpers/ports.js';
import { waitFor } from '../../../test/helpers/wait-for.js';
import { AuthWorkerClient, type AuthWorkerClientOptions } from './auth-worker-client.js';
import { MAX_RETRY_DELAY_MS } from './retry.js';
import { signChallenge } from './signing.js';

const alpha = generateKeyPairSync('rsa', { modulusLength: 2048 });
const beta = generateKeyPairSync('rsa', { modulusLength: 2048 });
const spki = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }).toString();
const PLANTED_SECRET = 'planted-secret-value-7f3a';
const SECRETS = { DB_PASSWORD: PLANTED_SECRET, API_KEY: 'planted-api-key-91c2' };
const AUTH_FAILED = { success: false, error: 'Authentication failed' };

/** A FakeClock that remembers every wait it was asked for. */
class RecordingClock extends FakeClock {
  readonly waits: number[] = [];
  override setTimeout(fn: () => void, ms: number): CancelTimer {
    this.waits.push(ms);
    return super.setTimeout(fn, ms);
  }
}

let fake: FakeAuthWorker | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function startWorker(
  overrides: Partial<FakeAuthWorkerOptions> = {},
): Promise<FakeAuthWorker> {
  fake = await startFakeAuthWorker({
    clients: { alpha: spki(alpha.publicKey), beta: spki(beta.publicKey) },
    secrets: SECRETS,
    repoList: ['owner/one', 'owner/two'],
    ...overrides,
  });
  return fake;
}

function client(url: string, overrides: Partial<AuthWorkerClientOptions> = {}): AuthWorkerClient {
  return new AuthWorkerClient({
    workerUrl: url,
    clientId: 'alpha',
    privateKey: alpha.privateKey,
    retryMax: 3,
    retryBackoffMs: 1000,
    clock: new RecordingClock(),
    random: () => 0,
    ...overrides,
  });
}

/** Awaits a promise while firing the fake clock's back-off timers as they appear. */
async function settle<T>(clock: FakeClock, promise: Promise<T>): Promise<T> {
  let done = false;
  const tracked = promise.finally(() => {
    done = true;
  });
  tracked.catch(() => undefined);
  while (!done) {
    await waitFor(() => done || clock.pendingTimers > 0 || 'no result and no back-off timer yet');
    if (!done) await clock.advance(MAX_RETRY_DELAY_MS);
  }
  return tracked;
}

async function daemonError(promise: Promise<unknown>): Promise<DaemonError> {
  const error: unknown = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(DaemonError);
  return error as DaemonError;
}

function paths(worker: FakeAuthWorker): string[] {
  return worker.requests.map((r) => `${r.path} ${r.status ?? '-'}`);
}

/** Everything that must never appear in an error: secrets, tokens, access tokens, signatures. */
function privateValues(worker: FakeAuthWorker): string[] {
  const sent = worker.requests.flatMap((r) => {
    const body = r.body as Record<string, unknown> | undefined;
    return [body?.['signature'], body?.['token']].filter((v): v is string => typeof v === 'string');
  });
  const issued = [...worker.accessTokens.values()].map((stored) => stored.accessToken);
  return [...Object.values(SECRETS), ...worker.tokens, ...issued, ...sent];
}

function expectNoPrivateValues(error: DaemonError, values: string[]): void {
  const visible = `${error.message} ${JSON.stringify(error.details)} ${JSON.stringify(error)}`;
  for (const value of values) expect(visible).not.toContain(value);
}

describe('AuthWorkerClient.login', () => {
  it('logs in over real HTTP: challenge, signed verify, every secret', async () => {
    const worker = await startWorker();
    const result = await client(`${worker.url}/`).login();
    expect(result).toEqual({
      token: worker.tokens[0],
      accessToken: expect.any(String),
      secretData: SECRETS,
    });
    expect(result).not.toHaveProperty('repoList');
    expect(paths(worker)).toEqual(['/challenge 200', '/verify 200']);
    expect(worker.requests[1]?.body).toEqual({
      clientId: 'alpha',
      challenge: expect.stringMatching(/^[A-Za-z0-9+/]{43}=$/),
      signature: expect.any(String),
    });
  });

  it('asks for the repo list; it is absent when the upstream fails', async () => {
    const worker = await startWorker();
    const result = await client(worker.url).login({ includeRepoList: true });
    expect(result.repoList).toEqual(['owner/one', 'owner/two']);
    expect((worker.requests[1]?.body as Record<string, unknown>)['includeRepoList']).toBe(true);
    await worker.close();

    const failing = await startWorker({ repoList: 'upstream-fails' });
    expect(await client(failing.url).login({ includeRepoList: true })).not.toHaveProperty(
      'repoList',
    );
  });

  it('logs in with a tunnel URL and registers the tunnel with the access token', async () => {
    const worker = await startWorker();
    const auth = client(worker.url);
    const tunnelUrl = 'https://quick-fox.trycloudflare.com';
    const result = await auth.login({ tunnelUrl, repoUrl: 'owner/one', grpcEndpoint: 'h:50051' });
    expect(worker.accessTokens.get('alpha')).toEqual({
      tunnelUrl,
      accessToken: result.accessToken,
    });
    expect(worker.requests[1]?.body).toMatchObject({
      tunnelUrl,
      repoUrl: 'owner/one',
      grpcEndpoint: 'h:50051',
    });
    await auth.registerTunnel(tunnelUrl, result.accessToken);
    expect(worker.registeredTunnels.get('alpha')).toEqual({
      tunnelUrl,
      accessToken: result.accessToken,
    });
  });

  it('refuses repoUrl without grpcEndpoint (and the reverse) before calling the worker', async () => {
    const worker = await startWorker();
    for (const options of [{ repoUrl: 'o/r' }, { grpcEndpoint: 'h:1' }]) {
      expect((await daemonError(client(worker.url).login(options))).code).toBe('invalid_argument');
    }
    expect(worker.requests).toEqual([]);
  });

  it('runs one login at a time per client id, across client objects', async () => {
    const worker = await startWorker();
    const secrets = client(worker.url);
    const tunnel = client(worker.url);
    const results = await Promise.all([
      secrets.login(),
      tunnel.login({ tunnelUrl: 'https://t.trycloudflare.com' }),
      secrets.login(),
    ]);
    expect(results.map((r) => r.secretData)).toEqual([SECRETS, SECRETS, SECRETS]);
    expect(paths(worker)).toEqual([
      '/challenge 200',
      '/verify 200',
      '/challenge 200',
      '/verify 200',
      '/challenge 200',
      '/verify 200',
    ]);
  });

  it('does not hold up another client id', async () => {
    const worker = await startWorker();
    worker.hangNext('/verify');
    const slow = client(worker.url, {
      timeoutMs: 1500,
      retryMax: 1,
      retryBackoffMs: 1,
      clock: systemClock,
    });
    let slowDone = false;
    const slowLogin = slow.login().finally(() => {
      slowDone = true;
    });
    await waitFor(
      () => worker.requests.some((r) => r.path === '/verify') || 'alpha has not reached /verify',
    );
    const other = client(worker.url, {
      clientId: 'beta',
      privateKey: beta.privateKey,
      clock: systemClock,
    });
    expect((await other.login()).secretData).toEqual(SECRETS);
    expect(slowDone).toBe(false);
    expect((await slowLogin).secretData).toEqual(SECRETS);
  });

  it('retries a 401 from /verify once with a fresh challenge', async () => {
    const worker = await startWorker();
    worker.respondNext('/verify', 401, AUTH_FAILED);
    expect((await client(worker.url).login()).secretData).toEqual(SECRETS);
    expect(paths(worker)).toEqual([
      '/challenge 200',
      '/verify 401',
      '/challenge 200',
      '/verify 200',
    ]);
  });

  it('fails with cloudflare_auth_failed at verify when the worker keeps refusing the signature', async () => {
    const worker = await startWorker();
    worker.setClientKey('alpha', spki(beta.publicKey));
    const auth = client(worker.url, { clientId: 'alpha' });
    const error = await daemonError(auth.login());
    expect(error.code).toBe('cloudflare_auth_failed');
    expect(error.details).toEqual({ step: 'verify', status: 401 });
    expect(error.message).toBe(
      `auth worker verify failed: HTTP 401 "Authentication failed" (client id "alpha"; check that the worker's AUTHORIZED_CLIENTS holds this client's public key)`,
    );
    expect(paths(worker)).toEqual([
      '/challenge 200',
      '/verify 401',
      '/challenge 200',
      '/verify 401',
    ]);
    expectNoPrivateValues(error, privateValues(worker));
  });

  it('fails at the challenge for an unknown client id, without retrying', async () => {
    const worker = await startWorker();
    const gamma = client(worker.url, { clientId: 'gamma' });
    const error = await daemonError(gamma.login());
    expect(error.code).toBe('cloudflare_auth_failed');
    expect(error.details).toEqual({ step: 'challenge', status: 401 });
    expect(error.message).toContain(
      'auth worker challenge failed: HTTP 401 "Authentication failed"',
    );
    expect(error.message).toContain('client id "gamma"');
    expect(paths(worker)).toEqual(['/challenge 401']);
  });

  it('retries 503, 429 and a dropped connection with back-off on the clock, then succeeds', async () => {
    const worker = await startWorker();
    worker.failNext('/challenge', 503);
    worker.failNext('/verify', 429);
    worker.dropNext('/verify');
    const clock = new RecordingClock();
    const result = await settle(clock, client(worker.url, { clock }).login());
    expect(result.secretData).toEqual(SECRETS);
    expect(clock.waits).toEqual([500, 1000, 2000]);
    expect(paths(worker)).toEqual([
      '/challenge 503',
      '/challenge 200',
      '/verify 429',
      '/challenge 200',
      '/verify -',
      '/challenge 200',
      '/verify 200',
    ]);
  });

  it('gives up with cloudflare_unavailable when retries run out', async () => {
    const worker = await startWorker();
    worker.failNext('/challenge', 503, 10);
    const clock = new RecordingClock();
    const error = await daemonError(
      settle(clock, client(worker.url, { clock, retryMax: 2 }).login()),
    );
    expect(error.code).toBe('cloudflare_unavailable');
    expect(error.details).toEqual({ step: 'challenge', status: 503, attempts: 3 });
    expect(error.message).toContain(
      'auth worker challenge failed after 3 attempts: HTTP 503 "Service unavailable"',
    );
    expect(clock.waits).toEqual([500, 1000]);
    expect(worker.requests).toHaveLength(3);
  });

  it('does not retry 400 or 404', async () => {
    const worker = await startWorker();
    worker.respondNext('/verify', 400, { success: false, error: 'Missing required fields' });
    const error = await daemonError(client(worker.url).login());
    expect(error.code).toBe('cloudflare_auth_failed');
    expect(error.details).toEqual({ step: 'verify', status: 400 });
    expect(error.message).toContain('HTTP 400 "Missing required fields"');
    expect(paths(worker)).toEqual(['/challenge 200', '/verify 400']);

    worker.respondNext('/challenge', 404, 'Not Found');
    const notFound = await daemonError(client(worker.url).login());
    expect(notFound.details).toEqual({ step: 'challenge', status: 404 });
    expect(notFound.message).toContain('HTTP 404 "Not Found"');
    expect(notFound.message).toContain(`check the worker URL (${worker.url})`);
    expect(worker.requests).toHaveLength(3);
  });

  it('times out a worker that never answers, retries, then reports it unavailable', async () => {
    const worker = await startWorker();
    worker.hangNext('/challenge', 5);
    const clock = new RecordingClock();
    const auth = client(worker.url, { clock, retryMax: 1, timeoutMs: 100 });
    const error = await daemonError(settle(clock, auth.login()));
    expect(error.code).toBe('cloudflare_unavailable');
    expect(error.details).toEqual({ step: 'challenge', attempts: 2 });
    expect(error.message).toContain('timed out after 100 ms');
    expect(worker.requests).toHaveLength(2);
  });

  it('reports a refused connection as unavailable after the retries', async () => {
    const port = await closedPort();
    const clock = new RecordingClock();
    const auth = client(`http://127.0.0.1:${port}`, { clock, retryMax: 2 });
    const error = await daemonError(settle(clock, auth.login()));
    expect(error.code).toBe('cloudflare_unavailable');
    expect(error.details).toEqual({ step: 'challenge', attempts: 3 });
    expect(error.message).toContain('connection refused');
    expect(clock.waits).toEqual([500, 1000]);
  });

  it('rejects a malformed success response without echoing it', async () => {
    const worker = await startWorker();
    worker.respondNext('/verify', 200, {
      success: true,
      token: 'planted-token-abc123',
      accessToken: 42,
      secretData: { X: PLANTED_SECRET },
    });
    const error = await daemonError(client(worker.url).login());
    expect(error.code).toBe('cloudflare_auth_failed');
    expect(error.details).toEqual({ step: 'verify', status: 200 });
    expect(error.message).toContain('malformed response');
    expect(error.message).toContain('"accessToken"');
    expectNoPrivateValues(error, ['planted-token-abc123', ...privateValues(worker)]);

    for (const body of [
      '<html>oops</html>',
      { success: true, token: 't', accessToken: 'a' },
      { challenge: 5 },
    ]) {
      const path = typeof body === 'object' && 'challenge' in body ? '/challenge' : '/verify';
      worker.respondNext(path, 200, body);
      const malformed = await daemonError(client(worker.url).login());
      expect(malformed.code).toBe('cloudflare_auth_failed');
      expect(malformed.details['step']).toBe(path.slice(1));
      expect(malformed.message).toContain('malformed response');
    }
  });

  it('keeps string secrets and string repos only', async () => {
    const worker = await startWorker();
    worker.respondNext('/verify', 200, {
      success: true,
      token: 't',
      accessToken: 'a',
      secretData: { A: 'x', B: 5, C: null, D: { nested: 'y' } },
      repoList: ['owner/r', 7],
    });
    expect(await client(worker.url).login()).toEqual({
      token: 't',
      accessToken: 'a',
      secretData: { A: 'x' },
      repoList: ['owner/r'],
    });
  });

  it('never puts a signature or an access token echoed by the worker into a message', async () => {
    const worker = await startWorker();
    const challenge = 'fixed-challenge-for-redaction';
    const signature = signChallenge(challenge, alpha.privateKey);
    worker.respondNext('/challenge', 200, { challenge, expiresAt: 0 }, 2);
    worker.respondNext('/verify', 401, { success: false, error: `bad signature ${signature}` }, 2);
    const error = await daemonError(client(worker.url).login());
    expect(error.details).toEqual({ step: 'verify', status: 401 });
    expect(error.message).toContain('bad signature [redacted]');
    expectNoPrivateValues(error, [signature, ...privateValues(worker)]);

    const accessToken = 'planted-access-token-5d1e';
    worker.respondNext('/tunnel/register', 403, `token ${accessToken} refused`);
    const register = await daemonError(
      client(worker.url).registerTunnel('https://t.trycloudflare.com', accessToken),
    );
    expect(register.code).toBe('cloudflare_auth_failed');
    expect(register.details).toEqual({ step: 'register', status: 403 });
    expectNoPrivateValues(register, [accessToken]);

    const refused = await daemonError(
      client(worker.url).registerTunnel('https://t.trycloudflare.com', accessToken),
    );
    expect(refused.details).toEqual({ step: 'register', status: 401 });
    expect(refused.message).toContain('did not accept the access token');
    expectNoPrivateValues(refused, [accessToken]);
  });

  it('loads the key through the loader at each login; a key error stops before the worker', async () => {
    const worker = await startWorker();
    let loads = 0;
    const auth = client(worker.url, {
      privateKey: () => {
        loads += 1;
        return loads === 1
          ? Promise.resolve(alpha.privateKey)
          : Promise.reject(
              new DaemonError('key_invalid', 'private key file "k.pem" does not exist'),
            );
      },
    });
    await auth.login();
    expect((await daemonError(auth.login())).code).toBe('key_invalid');
    expect(loads).toBe(2);
    expect(worker.requests).toHaveLength(2);
  });
});

describe('AuthWorkerClient', () => {
  it('checks health', async () => {
    const worker = await startWorker();
    expect(await client(worker.url).health()).toBe(true);
    worker.failNext('/health', 503);
    expect(await client(worker.url).health()).toBe(false);
    expect(await client(`http://127.0.0.1:${await closedPort()}`).health()).toBe(false);
  });

  it('validates its options', () => {
    const make = (overrides: Partial<AuthWorkerClientOptions>) => () =>
      client('http://127.0.0.1:1', overrides);
    for (const overrides of [
      { clientId: 'bad id' },
      { clientId: '' },
      { workerUrl: 'not a url' },
      { workerUrl: 'ftp://x' },
      { retryMax: -1 },
      { retryMax: 1.5 },
      { retryBackoffMs: Number.NaN },
    ]) {
      expect(make(overrides), JSON.stringify(overrides)).toThrow(
        expect.objectContaining({ code: 'invalid_argument' }),
      );
    }
    expect(make({ clientId: 'Ok.id_1-2' })).not.toThrow();
  });
});
