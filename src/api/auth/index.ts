export {
  AuthPolicy,
  TUNNEL_ROLE,
  type Principal,
  type Credentials,
  type TunnelToken,
} from './policy.js';
export { roleAllows, type Requirement, type Role } from './roles.js';
