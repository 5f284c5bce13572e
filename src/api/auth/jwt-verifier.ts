/**
 * Verifies the JWTs of `server.auth.jwt` with jose: HS256 with `secret`, RS256/ES256 with
 * `public_key` (PEM) or the keys at `jwks_url`. Only the algorithms that fit the key are accepted
 * (never `none`, never HS with a public key: the classic confusion), `exp` is required and
 * enforced with a small tolerance, `nbf` honoured, `iss`/`aud` checked when configured. The role
 * comes from `role_claim`, the principal's name from `sub`.
 *
 * Failures are DaemonErrors: unauthenticated saying what was wrong (never the token itself), or
 * forbidden when the token is genuine but carries no usable role.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { JWTPayload, JWTVerifyGetKey, JWTVerifyOptions } from 'jose';
import type { JwtConfig } from '../../config/index.js';
import { DaemonError, type Clock } from '../../shared/index.js';
import { loadJose } from './jose-loader.js';
import { JwksSource, JwksUnavailable, type JwksSourceOptions } from './jwks-source.js';
import type { Role } from './roles.js';

type JoseErrors = Awaited<ReturnType<typeof loadJose>>['errors'];
type ClaimFailure = InstanceType<JoseErrors['JWTClaimValidationFailed']>;

/** Clock skew allowed between the token issuer and this machine. */
export const JWT_CLOCK_TOLERANCE_S = 5;

const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];

/** Three base64url parts: the compact form of a signed JWT (an API key never looks like this). */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}

export interface JwtPrincipal {
  name: string;
  role: Role;
}

export class JwtVerifier {
  private readonly key: Uint8Array | KeyObject | JWTVerifyGetKey;
  private readonly algorithms: string[];
  private readonly jwks: JwksSource | undefined;

  constructor(
    private readonly config: JwtConfig,
    private readonly clock: Clock,
    jwksOptions: Partial<JwksSourceOptions> = {},
  ) {
    if (config.secret !== undefined) {
      this.key = new TextEncoder().encode(config.secret);
      this.algorithms = ['HS256'];
    } else if (config.public_key !== undefined) {
      const key = readPublicKey(config.public_key);
      this.key = key;
      this.algorithms = [algorithmFor(key)];
    } else if (config.jwks_url !== undefined) {
      this.jwks = new JwksSource(jwksUrl(config.jwks_url), clock, jwksOptions);
      this.key = this.jwks.resolve;
      this.algorithms = ['RS256', 'ES256'];
    } else {
      throw new DaemonError(
        'config_invalid',
        'server.auth.jwt: set exactly one of secret, public_key or jwks_url',
      );
    }
  }

  async verify(token: string): Promise<JwtPrincipal> {
    const { jwtVerify, errors } = await loadJose();
    let payload: JWTPayload;
    try {
      const options: JWTVerifyOptions = {
        algorithms: this.algorithms,
        clockTolerance: JWT_CLOCK_TOLERANCE_S,
        currentDate: new Date(this.clock.now()),
        requiredClaims: ['exp'],
        ...(this.config.issuer !== undefined ? { issuer: this.config.issuer } : {}),
        ...(this.config.audience !== undefined ? { audience: this.config.audience } : {}),
      };
      const key = this.key;
      ({ payload } =
        typeof key === 'function'
          ? await jwtVerify(token, key, options)
          : await jwtVerify(token, key, options));
    } catch (error) {
      throw this.explain(error, errors);
    }
    return {
      name: typeof payload.sub === 'string' ? payload.sub : 'jwt',
      role: this.role(payload),
    };
  }

  private role(payload: JWTPayload): Role {
    const claim = this.config.role_claim;
    const value = payload[claim];
    if (value === undefined) {
      throw new DaemonError(
        'forbidden',
        `the JWT has no ${JSON.stringify(claim)} claim (server.auth.jwt.role_claim); it needs one of ${ROLES.join(', ')}`,
        { details: { claim } },
      );
    }
    if (typeof value !== 'string' || !(ROLES as readonly string[]).includes(value)) {
      throw new DaemonError(
        'forbidden',
        `the JWT's ${JSON.stringify(claim)} claim is ${JSON.stringify(value).slice(0, 60)}; expected one of ${ROLES.join(', ')}`,
        { details: { claim } },
      );
    }
    return value as Role;
  }

  private explain(error: unknown, errors: JoseErrors): DaemonError {
    const fail = (message: string, details: Record<string, unknown> = {}): DaemonError =>
      new DaemonError('unauthenticated', message, { details: { credential: 'jwt', ...details } });
    if (error instanceof JwksUnavailable) {
      return fail(
        `cannot verify the JWT: the key set at ${this.config.jwks_url} (server.auth.jwt.jwks_url) could not be fetched: ${error.message}`,
        { jwks_unavailable: true },
      );
    }
    if (error instanceof errors.JWTExpired) {
      return fail(`the JWT expired at ${isoTime(error.payload.exp)}`);
    }
    if (error instanceof errors.JWTClaimValidationFailed) {
      return fail(this.claimProblem(error as ClaimFailure));
    }
    if (error instanceof errors.JOSEAlgNotAllowed) {
      return fail(
        `the JWT's signing algorithm is not accepted; server.auth.jwt accepts ${this.algorithms.join(', ')}`,
      );
    }
    if (error instanceof errors.JWSSignatureVerificationFailed) {
      return fail('the JWT signature is not valid');
    }
    if (
      error instanceof errors.JWKSNoMatchingKey ||
      error instanceof errors.JWKSMultipleMatchingKeys
    ) {
      return fail(
        `no single key in the key set at ${this.config.jwks_url} matches the JWT's kid and alg`,
      );
    }
    return fail('the bearer token is not a well-formed JWT');
  }

  private claimProblem(error: ClaimFailure): string {
    const { claim, reason, payload } = error;
    if (reason === 'missing') {
      return claim === 'exp'
        ? 'the JWT has no exp claim; only tokens that expire are accepted'
        : `the JWT has no ${claim} claim, which server.auth.jwt requires`;
    }
    switch (claim) {
      case 'nbf':
        return `the JWT is not valid before ${isoTime(payload.nbf)}`;
      case 'iat':
        return 'the JWT was issued in the future (iat)';
      case 'iss':
        return `the JWT was issued by ${quote(payload.iss)}, not by ${quote(this.config.issuer)} (server.auth.jwt.issuer)`;
      case 'aud':
        return `the JWT is for audience ${quote(payload.aud)}, not ${quote(this.config.audience)} (server.auth.jwt.audience)`;
      default:
        return `the JWT's ${claim} claim is not valid (${reason})`;
    }
  }
}

function readPublicKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (error) {
    throw new DaemonError(
      'config_invalid',
      `server.auth.jwt.public_key is not a PEM public key ("-----BEGIN PUBLIC KEY-----"): ${(error as Error).message}`,
      { cause: error },
    );
  }
  return key;
}

/** The one algorithm a public key can verify here: RS256 for RSA, ES256 for P-256. */
function algorithmFor(key: KeyObject): string {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    return 'ES256';
  }
  const kind = `${key.asymmetricKeyType ?? 'unknown'}${key.asymmetricKeyDetails?.namedCurve ? ` ${key.asymmetricKeyDetails.namedCurve}` : ''}`;
  throw new DaemonError(
    'config_invalid',
    `server.auth.jwt.public_key is a ${kind} key; JWTs are verified with an RSA key (RS256) or an EC P-256 key (ES256)`,
  );
}

function jwksUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new DaemonError(
      'config_invalid',
      `server.auth.jwt.jwks_url ${JSON.stringify(text)} is not a URL`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new DaemonError(
      'config_invalid',
      `server.auth.jwt.jwks_url ${JSON.stringify(text)} must be an http(s) URL`,
    );
  }
  return url;
}

function isoTime(seconds: unknown): string {
  return typeof seconds === 'number' && Number.isFinite(seconds)
    ? new Date(seconds * 1000).toISOString()
    : 'an invalid time';
}

function quote(value: unknown): string {
  if (value === undefined) return 'none';
  return JSON.stringify(value).slice(0, 100);
}
