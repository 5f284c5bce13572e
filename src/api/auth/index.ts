export {
  AuthPolicy,
  TUNNEL_ROLE,
  type AuthPolicyOptions,
  type Principal,
  type Credentials,
  type TunnelToken,
} from './policy.js';
export { roleAllows, type Requirement, type Role } from './roles.js';
export {
  AuthFailureLimiter,
  DEFAULT_AUTH_RATE_LIMIT,
  type AuthRateLimitOptions,
  type RateDecision,
} from './auth-rate-limit.js';
export { JwtVerifier, looksLikeJwt, JWT_CLOCK_TOLERANCE_S } from './jwt-verifier.js';
export type { JwksSourceOptions } from './jwks-source.js';
