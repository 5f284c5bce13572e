/**
 * A spec-faithful fake of the Cloudflare auth worker (../shared/spec/cloudflare.md §1) on a real
 * HTTP server: RSA challenge-response, single-use challenges valid 300 000 ms (one outstanding per
 * client id), HS256 tokens, access tokens stored only for logins that carry a tunnel URL, and the
 * worker's vague error messages. Failures can be injected per path.
 */
import { constants, createHmac, createPublicKey, randomBytes, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo, type Socket } from 'node:net';

export const CHALLENGE_TTL_MS = 300_000;
export const TOKEN_TTL_S = 3600;
const AUTH_FAILED = 'Authentication failed';

export interface FakeAuthWorkerOptions {
  /** clientId -> public key PEM (AUTHORIZED_CLIENTS); only SPKI `BEGIN PUBLIC KEY` keys work. */
  clients: Record<string, string>;
  /** The worker's string variables, all returned as secretData. */
  secrets: Record<string, string>;
  jwtSecret?: string;
  /** Returned when includeRepoList is true; 'upstream-fails' leaves repoList out. Default []. */
  repoList?: string[] | 'upstream-fails';
  /** Milliseconds since the epoch; default Date.now. */
  now?: () => number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  /** Parsed JSON, or the raw text when it is not JSON, or undefined when empty. */
  body: unknown;
  /** The status answered; undefined while pending, or when the socket was dropped. */
  status?: number;
}

export interface StoredAccessToken {
  tunnelUrl: string;
  accessToken: string;
}

export interface FakeAuthWorker {
  url: string;
  close(): Promise<void>;
  requests: RecordedRequest[];
  /** clientId -> the tunnel registered by /tunnel/register. */
  registeredTunnels: Map<string, StoredAccessToken>;
  /** clientId -> the accessToken stored by the last /verify that carried tunnelUrl. */
  accessTokens: Map<string, StoredAccessToken>;
  /** Issued tokens (JWT), in order. */
  tokens: string[];
  /** The next `count` requests to `path` get `status` (default body: a vague JSON error). */
  failNext(path: string, status: number, count?: number, body?: unknown): void;
  /** The next `count` requests to `path` get this answer instead of the real one. */
  respondNext(path: string, status: number, body: unknown, count?: number): void;
  /** The next `count` requests to `path` have their socket destroyed without an answer. */
  dropNext(path: string, count?: number): void;
  /** The next `count` requests to `path` are never answered (until close). */
  hangNext(path: string, count?: number): void;
  /** Adds, replaces or (with undefined) removes a client's public key. */
  setClientKey(clientId: string, publicKeyPem: string | undefined): void;
  /** The outstanding challenge of a client id, if any. */
  outstandingChallenge(clientId: string): { challenge: string; expiresAt: number } | undefined;
}

type Injection =
  { kind: 'respond'; status: number; body: unknown } | { kind: 'drop' } | { kind: 'hang' };

class MalformedServerKeyError extends Error {}

/** Standard base64 with padding, as the worker decodes it (base64url and bare forms fail). */
const STANDARD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The worker's check: RSASSA-PKCS1-v1_5 SHA-256 over the UTF-8 challenge text, signature in
 * standard base64. Throws MalformedServerKeyError when the configured key is not an SPKI RSA key.
 */
export function verifyChallengeSignature(
  spkiPem: string,
  challenge: string,
  signature: string,
): boolean {
  if (!spkiPem.includes('-----BEGIN PUBLIC KEY-----')) {
    throw new MalformedServerKeyError('client key is not an SPKI public key');
  }
  let key;
  try {
    key = createPublicKey({ key: spkiPem, format: 'pem', type: 'spki' });
  } catch (error) {
    throw new MalformedServerKeyError('client key cannot be imported', { cause: error });
  }
  if (key.asymmetricKeyType !== 'rsa') throw new MalformedServerKeyError('client key is not RSA');
  if (signature === '' || !STANDARD_BASE64.test(signature)) return false;
  return verify(
    'sha256',
    Buffer.from(challenge, 'utf8'),
    { key, padding: constants.RSA_PKCS1_PADDING },
    Buffer.from(signature, 'base64'),
  );
}

export function isMalformedServerKey(error: unknown): boolean {
  return error instanceof MalformedServerKeyError;
}

/** HS256 JWT with the payload keys in the given order (test vector V4). */
export function signJwtHs256(payload: Record<string, unknown>, secret: string): string {
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = base64url(JSON.stringify(payload));
  const mac = createHmac('sha256', secret).update(`${header}.${body}`).digest();
  return `${header}.${body}.${base64url(mac)}`;
}

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

export async function startFakeAuthWorker(options: FakeAuthWorkerOptions): Promise<FakeAuthWorker> {
  const clients = new Map(Object.entries(options.clients));
  const now = options.now ?? Date.now;
  const jwtSecret = options.jwtSecret ?? 'fake-jwt-secret';
  const challenges = new Map<string, { challenge: string; expiresAt: number }>();
  const injections = new Map<string, Injection[]>();
  const hanging = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  const requests: RecordedRequest[] = [];
  const registeredTunnels = new Map<string, StoredAccessToken>();
  const accessTokens = new Map<string, StoredAccessToken>();
  const tokens: string[] = [];

  const inject = (path: string, injection: Injection, count: number): void => {
    const queue = injections.get(path) ?? [];
    for (let i = 0; i < count; i++) queue.push(injection);
    injections.set(path, queue);
  };

  type Answer = { status: number; body: unknown };
  const error = (status: number, message: string): Answer => ({
    status,
    body: { success: false, error: message },
  });

  function handleChallenge(body: Record<string, unknown>): Answer {
    const clientId = body['clientId'];
    if (typeof clientId !== 'string' || clientId === '') return error(400, 'Missing clientId');
    if (!clients.has(clientId)) return error(401, AUTH_FAILED);
    const issued = {
      challenge: randomBytes(32).toString('base64'),
      expiresAt: now() + CHALLENGE_TTL_MS,
    };
    challenges.set(clientId, issued);
    return { status: 200, body: issued };
  }

  function handleVerify(body: Record<string, unknown>): Answer {
    const { clientId, challenge, signature, repoUrl, grpcEndpoint, tunnelUrl } = body;
    if (!isText(clientId) || !isText(challenge) || !isText(signature)) {
      return error(400, 'Missing required fields');
    }
    if ((repoUrl === undefined) !== (grpcEndpoint === undefined)) {
      return error(400, 'repoUrl and grpcEndpoint must be provided together');
    }
    const publicKeyPem = clients.get(clientId);
    if (publicKeyPem === undefined) return error(401, AUTH_FAILED);
    const outstanding = challenges.get(clientId);
    if (outstanding === undefined || outstanding.challenge !== challenge)
      return error(401, AUTH_FAILED);
    challenges.delete(clientId); // single use, whatever the outcome
    if (now() > outstanding.expiresAt) return error(401, AUTH_FAILED);
    let valid: boolean;
    try {
      valid = verifyChallengeSignature(publicKeyPem, challenge, signature);
    } catch (failure) {
      if (isMalformedServerKey(failure)) return error(500, 'Malformed server key');
      throw failure;
    }
    if (!valid) return error(401, AUTH_FAILED);

    const iat = Math.floor(now() / 1000);
    const token = signJwtHs256({ clientId, iat, exp: iat + TOKEN_TTL_S }, jwtSecret);
    tokens.push(token);
    const accessToken = randomBytes(32).toString('base64');
    if (isText(tunnelUrl)) accessTokens.set(clientId, { tunnelUrl, accessToken });
    const answer: Record<string, unknown> = {
      success: true,
      token,
      accessToken,
      secretData: { ...options.secrets },
    };
    const repoList = options.repoList ?? [];
    if (body['includeRepoList'] === true && repoList !== 'upstream-fails') {
      answer['repoList'] = [...repoList];
    }
    return { status: 200, body: answer };
  }

  function handleRegister(body: Record<string, unknown>): Answer {
    const { clientId, tunnelUrl, token } = body;
    if (!isText(clientId) || !isText(tunnelUrl) || !isText(token)) {
      return error(400, 'Missing required fields');
    }
    const stored = accessTokens.get(clientId);
    if (stored === undefined || stored.accessToken !== token || stored.tunnelUrl !== tunnelUrl) {
      return error(401, AUTH_FAILED);
    }
    const registeredAt = now();
    registeredTunnels.set(clientId, { tunnelUrl, accessToken: token });
    return { status: 200, body: { success: true, data: { clientId, tunnelUrl, registeredAt } } };
  }

  function route(method: string, path: string, text: string): Answer {
    if (method === 'GET' && path === '/health') return { status: 200, body: { status: 'ok' } };
    const handler =
      method !== 'POST'
        ? undefined
        : path === '/challenge'
          ? handleChallenge
          : path === '/verify'
            ? handleVerify
            : path === '/tunnel/register'
              ? handleRegister
              : undefined;
    if (handler === undefined) return error(404, 'Not found');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return error(500, 'Internal server error');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return error(400, 'Missing required fields');
    }
    return handler(parsed as Record<string, unknown>);
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const path = new URL(req.url ?? '/', 'http://fake').pathname;
      const recorded: RecordedRequest = { method: req.method ?? '', path, body: parseBody(text) };
      requests.push(recorded);
      const injection = injections.get(path)?.shift();
      if (injection?.kind === 'drop') {
        req.socket.destroy();
        return;
      }
      if (injection?.kind === 'hang') {
        hanging.add(res);
        return;
      }
      const answer =
        injection?.kind === 'respond' ? injection : route(req.method ?? '', path, text);
      recorded.status = answer.status;
      const payload = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      res.writeHead(answer.status, {
        'content-type': typeof answer.body === 'string' ? 'text/plain' : 'application/json',
      });
      res.end(payload);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    registeredTunnels,
    accessTokens,
    tokens,
    failNext(path, status, count = 1, body) {
      const message =
        status === 429
          ? 'Too many requests'
          : status === 503
            ? 'Service unavailable'
            : 'Internal server error';
      inject(
        path,
        { kind: 'respond', status, body: body ?? { success: false, error: message } },
        count,
      );
    },
    respondNext(path, status, body, count = 1) {
      inject(path, { kind: 'respond', status, body }, count);
    },
    dropNext(path, count = 1) {
      inject(path, { kind: 'drop' }, count);
    },
    hangNext(path, count = 1) {
      inject(path, { kind: 'hang' }, count);
    },
    setClientKey(clientId, publicKeyPem) {
      if (publicKeyPem === undefined) clients.delete(clientId);
      else clients.set(clientId, publicKeyPem);
    },
    outstandingChallenge(clientId) {
      const outstanding = challenges.get(clientId);
      return outstanding === undefined ? undefined : { ...outstanding };
    },
    close() {
      for (const res of hanging) res.destroy();
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
