export { AuthPolicy, type Principal, type Credentials } from './policy.js';
export { roleAllows, type Requirement, type Role } from './roles.js';
