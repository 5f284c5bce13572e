/** Roles, lowest first: viewer (read), operator (start/stop/restart/scale/update), admin (all). */
import type { Role } from '../../config/index.js';

export type { Role };
export type Requirement = 'public' | Role;

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

export function roleAllows(role: Role, required: Requirement): boolean {
  return required === 'public' || RANK[role] >= RANK[required];
}
