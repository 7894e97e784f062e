import { ForbiddenError } from "../errors";

/** Roles (SPEC 6). Permissions are data so the UI, API and CLI ask the same question. */
export const ROLES = ["administrator", "operator", "auditor"] as const;
export type Role = (typeof ROLES)[number];

export type Permission =
  | "read" // issuers, certificates, revocation state, topologies
  | "certificates:write" // issue, revoke, renew
  | "issuers:write"
  | "topologies:write"
  | "audit:read"
  | "users:manage"
  | "tokens:manage"
  | "profiles:manage"; // add certificate profiles (lib/profiles)

const GRANTS: Record<Role, readonly Permission[]> = {
  administrator: ["read", "certificates:write", "issuers:write", "topologies:write", "audit:read", "users:manage", "tokens:manage", "profiles:manage"],
  operator: ["read", "certificates:write", "issuers:write", "topologies:write"],
  auditor: ["read", "audit:read"],
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function can(role: string, permission: Permission): boolean {
  return isRole(role) && GRANTS[role].includes(permission);
}

export function requirePermission(role: string, permission: Permission): void {
  if (!can(role, permission)) throw new ForbiddenError(permission);
}

/** True when `owner` holds every permission of `role` (a token cannot act with more than its owner). */
export function roleWithin(role: string, owner: string): boolean {
  return isRole(role) && isRole(owner) && GRANTS[role].every((p) => GRANTS[owner].includes(p));
}
