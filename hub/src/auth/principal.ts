/** Who is calling the admin API, as the auth guard established it. */

export type Role = 'viewer' | 'operator' | 'admin';

/** Roles in order: each can do everything the ones before it can. */
export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];

/** What a scoped token may see and steer; a missing list does not restrict. */
export interface TokenScope {
  clusterGroups?: string[];
  bundles?: string[];
}

export interface Principal {
  tokenId: string;
  name: string;
  role: Role;
  scope: TokenScope | null;
}

export function roleAtLeast(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** The principal of ADMIN_TOKEN. */
export const CONFIGURED_ADMIN: Principal = { tokenId: 'admin-token', name: 'ADMIN_TOKEN', role: 'admin', scope: null };
