/**
 * One authentication policy for every edge. With API keys configured, a request must carry
 * `Authorization: Bearer <key>` or `X-API-Key: <key>`; keys are compared as SHA-256 digests in
 * constant time. Without any credential configured the daemon only listens on loopback (the
 * daemon refuses other hosts unless `server.auth.insecure`), and callers get the admin role.
 *
 * Requests that came through the Cloudflare tunnel (cloudflared adds `Cf-Connecting-Ip` /
 * `Cloudflare-Cdn-Loop`) are from the internet even though they arrive on loopback: they never get
 * the open default, and must present the tunnel's access token (operator role) or an API key.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ServerConfig } from '../../config/index.js';
import { DaemonError } from '../../shared/index.js';
import { roleAllows, type Requirement, type Role } from './roles.js';

export interface Principal {
  name: string;
  role: Role;
}

export interface Credentials {
  authorization?: string | undefined;
  apiKey?: string | undefined;
  remoteAddress?: string | undefined;
  /** The request carries cloudflared's headers: it came from the internet through the tunnel. */
  viaTunnel?: boolean | undefined;
}

/** The token the auth worker issued for the current tunnel URL (absent while none is registered). */
export interface TunnelToken {
  accessToken(): string | undefined;
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
  private readonly open: boolean;

  constructor(
    server: Pick<ServerConfig, 'auth' | 'host'>,
    private readonly tunnel?: TunnelToken,
  ) {
    this.keys = server.auth.api_keys.map((k) => ({
      name: k.name,
      role: k.role,
      digest:
        k.key_sha256 !== undefined
          ? Buffer.from(k.key_sha256.toLowerCase(), 'hex')
          : sha256(k.key ?? ''),
    }));
    this.open = this.keys.length === 0;
  }

  get requiresCredentials(): boolean {
    return !this.open;
  }

  /** The caller's principal, or a DaemonError (unauthenticated / forbidden) for this requirement. */
  authorize(credentials: Credentials, required: Requirement): Principal {
    if (required === 'public') return { name: 'anonymous', role: 'viewer' };
    const principal = this.authenticate(credentials);
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

  private authenticate(credentials: Credentials): Principal {
    if (credentials.viaTunnel) return this.authenticateTunnel(credentials);
    if (this.open) return { name: 'local', role: 'admin' };
    const presented = bearer(credentials.authorization) ?? credentials.apiKey;
    if (presented === undefined || presented === '') {
      throw new DaemonError(
        'unauthenticated',
        'this daemon requires an API key: send Authorization: Bearer <key> (or X-API-Key)',
      );
    }
    return this.matchKey(presented);
  }

  private authenticateTunnel(credentials: Credentials): Principal {
    const presented = bearer(credentials.authorization) ?? credentials.apiKey;
    if (presented === undefined || presented === '') {
      throw new DaemonError(
        'unauthenticated',
        'requests through the Cloudflare tunnel need Authorization: Bearer <the tunnel access token> or an API key',
      );
    }
    const token = this.tunnel?.accessToken();
    if (token !== undefined && timingSafeEqual(sha256(token), sha256(presented))) {
      return { name: 'tunnel', role: TUNNEL_ROLE };
    }
    if (this.open) throw new DaemonError('unauthenticated', 'the credential is not valid');
    return this.matchKey(presented);
  }

  private matchKey(presented: string): Principal {
    const digest = sha256(presented);
    let match: StoredKey | undefined;
    for (const key of this.keys) {
      // Compare against every key, so timing does not reveal which (if any) matched.
      if (timingSafeEqual(key.digest, digest) && match === undefined) match = key;
    }
    if (!match) throw new DaemonError('unauthenticated', 'the API key is not valid');
    return { name: match.name, role: match.role };
  }
}

function bearer(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  return match?.[1]?.trim();
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
