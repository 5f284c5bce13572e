/**
 * One authentication policy for every edge (REST, SSE, gRPC, gRPC-Web). A request carries
 * `Authorization: Bearer <credential>` or `X-API-Key: <key>`:
 * - API keys (server.auth.api_keys) are compared as SHA-256 digests in constant time, always first;
 * - a bearer token shaped like a JWT is then verified against server.auth.jwt (jwt-verifier.ts).
 * Without any credential configured the daemon only listens on loopback (config refuses other
 * hosts unless `server.auth.insecure`), and callers get the admin role.
 *
 * Requests that came through the Cloudflare tunnel (cloudflared adds `Cf-Connecting-Ip` /
 * `Cloudflare-Cdn-Loop`) are from the internet even though they arrive on loopback: they never get
 * the open default, and must present the tunnel's access token (operator role), an API key or a
 * JWT.
 *
 * Failed authentications are counted per client (auth-rate-limit.ts); a client over the limit is
 * refused with rate_limited (details.retry_after_seconds) before its credential is even looked at.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ServerConfig } from '../../config/index.js';
import { DaemonError, isLoopbackHost, systemClock, type Clock } from '../../shared/index.js';
import { AuthFailureLimiter, type AuthRateLimitOptions } from './auth-rate-limit.js';
import type { JwksSourceOptions } from './jwks-source.js';
import { JwtVerifier, looksLikeJwt } from './jwt-verifier.js';
import { roleAllows, type Requirement, type Role } from './roles.js';

export interface Principal {
  name: string;
  role: Role;
}

export interface Credentials {
  authorization?: string | undefined;
  apiKey?: string | undefined;
  /** The peer's address: failed authentications are counted per client. */
  remoteAddress?: string | undefined;
  /** The request carries cloudflared's headers: it came from the internet through the tunnel. */
  viaTunnel?: boolean | undefined;
  /** For tunnelled requests: the caller's address as cloudflared reports it (Cf-Connecting-Ip). */
  clientIp?: string | undefined;
}

/** The token the auth worker issued for the current tunnel URL (absent while none is registered). */
export interface TunnelToken {
  accessToken(): string | undefined;
}

export interface AuthPolicyOptions {
  /** JWT time checks, the failure limit and the key-set cache run on this clock. */
  clock?: Clock;
  rateLimit?: Partial<AuthRateLimitOptions>;
  jwks?: Partial<JwksSourceOptions>;
}

/** What a caller presenting the tunnel's access token may do. */
export const TUNNEL_ROLE: Role = 'operator';

interface StoredKey {
  name: string;
  role: Role;
  digest: Buffer;
}

export class AuthPolicy {
  private readonly keys: StoredKey[];
  private readonly jwt: JwtVerifier | undefined;
  private readonly open: boolean;
  private readonly clock: Clock;
  private readonly limiter: AuthFailureLimiter;
  /** The address the API listens on: cloudflared reaches a specifically bound API there. */
  private readonly serverHost: string;

  /** Throws config_invalid when server.auth.jwt holds an unusable key or URL. */
  constructor(
    server: Pick<ServerConfig, 'auth' | 'host'>,
    private readonly tunnel?: TunnelToken,
    options: AuthPolicyOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.serverHost = server.host;
    this.keys = server.auth.api_keys.map((k) => ({
      name: k.name,
      role: k.role,
      digest:
        k.key_sha256 !== undefined
          ? Buffer.from(k.key_sha256.toLowerCase(), 'hex')
          : sha256(k.key ?? ''),
    }));
    this.jwt =
      server.auth.jwt === undefined
        ? undefined
        : new JwtVerifier(server.auth.jwt, this.clock, options.jwks);
    this.open = this.keys.length === 0 && this.jwt === undefined;
    this.limiter = new AuthFailureLimiter(options.rateLimit);
  }

  get requiresCredentials(): boolean {
    return !this.open;
  }

  /**
   * The caller's principal, or a DaemonError: rate_limited (details.retry_after_seconds),
   * unauthenticated, or forbidden for this requirement.
   */
  async authorize(credentials: Credentials, required: Requirement): Promise<Principal> {
    if (required === 'public') return { name: 'anonymous', role: 'viewer' };
    const client = clientOf(credentials, this.serverHost);
    const decision = this.limiter.check(client, this.clock.now());
    if (decision.limited) throw rateLimited(client, decision.retryAfterMs);
    let principal: Principal;
    try {
      principal = await this.authenticate(credentials);
    } catch (error) {
      if (isCallersFault(error)) this.limiter.recordFailure(client, this.clock.now());
      throw error;
    }
    if (!roleAllows(principal.role, required)) {
      throw new DaemonError(
        'forbidden',
        `the ${principal.role} role cannot do this; it needs ${required}`,
        {
          details: { role: principal.role, required },
        },
      );
    }
    return principal;
  }

  private async authenticate(credentials: Credentials): Promise<Principal> {
    if (credentials.viaTunnel) return this.authenticateTunnel(credentials);
    if (this.open) return { name: 'local', role: 'admin' };
    const presented = presentedCredential(credentials);
    if (presented === undefined) throw new DaemonError('unauthenticated', this.missingMessage());
    return this.matchCredential(presented);
  }

  private async authenticateTunnel(credentials: Credentials): Promise<Principal> {
    const presented = presentedCredential(credentials);
    if (presented === undefined) {
      throw new DaemonError(
        'unauthenticated',
        `requests through the Cloudflare tunnel need Authorization: Bearer <the tunnel access token${this.open ? '' : this.jwt ? ', an API key or a JWT' : ' or an API key'}>`,
      );
    }
    const token = this.tunnel?.accessToken();
    if (token !== undefined && timingSafeEqual(sha256(token), sha256(presented.value))) {
      return { name: 'tunnel', role: TUNNEL_ROLE };
    }
    if (this.open) throw new DaemonError('unauthenticated', 'the credential is not valid');
    return this.matchCredential(presented);
  }

  /** API keys first (constant time, every key compared), then a JWT if the token is one. */
  private async matchCredential(presented: Presented): Promise<Principal> {
    const digest = sha256(presented.value);
    let match: StoredKey | undefined;
    for (const key of this.keys) {
      // Compare against every key, so timing does not reveal which (if any) matched.
      if (timingSafeEqual(key.digest, digest) && match === undefined) match = key;
    }
    if (match) return { name: match.name, role: match.role };
    const isJwt = presented.bearer && looksLikeJwt(presented.value);
    if (isJwt && this.jwt) return this.jwt.verify(presented.value);
    if (isJwt) {
      throw new DaemonError(
        'unauthenticated',
        'the bearer token looks like a JWT, but this daemon accepts no JWTs (server.auth.jwt is not set) and it is no API key',
      );
    }
    throw new DaemonError(
      'unauthenticated',
      this.jwt
        ? `the ${presented.bearer ? 'bearer token' : 'X-API-Key'} is neither a valid API key nor a JWT`
        : 'the API key is not valid',
    );
  }

  private missingMessage(): string {
    if (this.keys.length === 0) {
      return 'this daemon requires a JWT: send Authorization: Bearer <token>';
    }
    return this.jwt
      ? 'this daemon requires an API key or a JWT: send Authorization: Bearer <key or token> (or X-API-Key: <key>)'
      : 'this daemon requires an API key: send Authorization: Bearer <key> (or X-API-Key)';
  }
}

interface Presented {
  value: string;
  /** Came as Authorization: Bearer (may be a JWT), not as X-API-Key. */
  bearer: boolean;
}

function presentedCredential(credentials: Credentials): Presented | undefined {
  const fromBearer = bearer(credentials.authorization);
  if (fromBearer !== undefined && fromBearer !== '') return { value: fromBearer, bearer: true };
  const apiKey = credentials.apiKey?.trim();
  if (apiKey !== undefined && apiKey !== '') return { value: apiKey, bearer: false };
  return undefined;
}

/** Who failed: tunnelled requests all come from cloudflared, so they count by the real caller. */
/**
 * Whom failed attempts are counted against. Cf-Connecting-Ip names the internet client only when
 * the request came from cloudflared, which runs on this machine: from any other peer the header
 * is the caller's own invention, and trusting it would let a caller pick a fresh bucket for every
 * guess (or fill a victim's).
 */
function clientOf(credentials: Credentials, serverHost: string): string {
  const peer = credentials.remoteAddress;
  const fromThisMachine =
    peer === undefined || isLoopbackHost(peer) || peer.replace(/^::ffff:/, '') === serverHost;
  if (credentials.viaTunnel && fromThisMachine)
    return `${credentials.clientIp?.trim() || 'an unknown address'} (through the tunnel)`;
  return peer ?? 'an unknown address';
}

/** A failure that says something about the caller (not the key server being down). */
function isCallersFault(error: unknown): boolean {
  return (
    error instanceof DaemonError &&
    error.code === 'unauthenticated' &&
    error.details['jwks_unavailable'] !== true
  );
}

function rateLimited(client: string, retryAfterMs: number): DaemonError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new DaemonError(
    'rate_limited',
    `too many failed authentication attempts from ${client}; retry in ${seconds} s`,
    { details: { retry_after_seconds: seconds } },
  );
}

function bearer(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  return match?.[1]?.trim();
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
