import { z } from "zod";
import { appendAudit } from "../audit";
import { type Actor } from "./actor";
import { db, type Tx } from "../db";
import { ConflictError, InputError, NotFoundError } from "../errors";
import { parseOrThrow } from "../validation";
import { revokeTokensOfUser } from "./apiTokens";
import { hashPassword, MIN_PASSWORD_LENGTH } from "./password";
import { requirePermission, ROLES, type Role } from "./roles";

export const NewUser = z.object({
  email: z.string().trim().toLowerCase().email("not a valid email address").max(254),
  name: z.string().trim().max(100).default(""),
  role: z.enum(ROLES, { error: `role must be one of ${ROLES.join(", ")}` }),
  password: z.string().min(MIN_PASSWORD_LENGTH, `the password needs at least ${MIN_PASSWORD_LENGTH} characters`).max(1024),
});
/** Raw input (form fields, CLI flags): validated by NewUser before anything is written. */
export type NewUser = { [K in keyof z.input<typeof NewUser>]?: unknown };

export interface PublicUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  createdAt: Date;
  disabledAt: Date | null;
}

async function insertUser(actor: Actor, input: NewUser, onlyIfNoUsers: boolean): Promise<PublicUser> {
  const u = parseOrThrow(NewUser, input, "user");
  const passwordHash = await hashPassword(u.password);
  return db().$transaction(async (tx) => {
    if (onlyIfNoUsers && (await tx.user.count()) > 0) {
      throw new ConflictError("email", "set-up is finished: an administrator already exists; sign in instead");
    }
    if (await tx.user.findUnique({ where: { email: u.email } })) {
      throw new ConflictError("email", `a user with the email ${u.email} already exists`);
    }
    const user = await tx.user.create({ data: { email: u.email, name: u.name, role: u.role, passwordHash } });
    await appendAudit(tx, actor, { action: "user.create", targetType: "user", targetId: user.id, after: { email: user.email, role: user.role, name: user.name } });
    return toPublic(user);
  });
}

export function toPublic(u: { id: string; email: string; name: string; role: string; createdAt: Date; disabledAt: Date | null }): PublicUser {
  return { id: u.id, email: u.email, name: u.name, role: u.role as Role, createdAt: u.createdAt, disabledAt: u.disabledAt };
}

export async function createUser(actor: Actor, input: NewUser): Promise<PublicUser> {
  requirePermission(actor.role, "users:manage");
  return insertUser(actor, input, false);
}

/** The set-up page: works only while no user exists (checked inside the transaction). */
export async function createFirstAdministrator(input: Omit<NewUser, "role">): Promise<PublicUser> {
  const email = String(input.email ?? "").trim().toLowerCase();
  return insertUser({ kind: "user", name: email, role: "administrator" }, { ...input, role: "administrator" }, true);
}

export async function userCount(): Promise<number> {
  return db().user.count();
}

export async function listUsers(): Promise<PublicUser[]> {
  return (await db().user.findMany({ orderBy: { createdAt: "asc" } })).map(toPublic);
}

export async function setUserDisabled(actor: Actor, userId: string, disabled: boolean): Promise<void> {
  requirePermission(actor.role, "users:manage");
  await db().$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { id: userId } });
    if (!user) throw new InputError("userId", "no such user", 404);
    if (disabled && actor.kind === "user" && actor.name === user.email) throw new InputError("userId", "you cannot disable your own account");
    if (disabled && user.role === "administrator" && !user.disabledAt) await requireAnotherAdministrator(tx, user.id, "userId", "disable");
    await tx.user.update({ where: { id: userId }, data: { disabledAt: disabled ? new Date() : null } });
    await appendAudit(tx, actor, { action: disabled ? "user.disable" : "user.update", targetType: "user", targetId: userId, before: { disabled: !!user.disabledAt }, after: { disabled } });
    // A disabled account keeps no way in: its sessions end and its API tokens are revoked
    // (re-enabling does not bring tokens back).
    if (disabled) {
      await tx.session.deleteMany({ where: { userId } });
      await revokeTokensOfUser(tx, actor, userId, "owner disabled");
    }
  });
}

/**
 * Refuses a change that would leave no active administrator: nobody could manage users
 * from the console any more (only the CLI on the server could repair it). Runs inside the
 * write transaction (BEGIN IMMEDIATE), so two administrators demoting each other queue.
 */
async function requireAnotherAdministrator(tx: Tx, userId: string, field: string, verb: string): Promise<void> {
  const others = await tx.user.count({ where: { role: "administrator", disabledAt: null, id: { not: userId } } });
  if (others === 0) throw new ConflictError(field, `cannot ${verb} the last active administrator: make another user an administrator first`);
}

/** A user by id (the UI) or email (the CLI). */
export type UserRef = { id: string } | { email: string };

async function findUser(tx: Tx, ref: UserRef) {
  const user = "id" in ref ? await tx.user.findUnique({ where: { id: ref.id } }) : await tx.user.findUnique({ where: { email: ref.email.trim().toLowerCase() } });
  if (!user) throw new NotFoundError("id" in ref ? "userId" : "email", "id" in ref ? "no such user" : `no user with the email ${ref.email}`);
  return user;
}

export async function getUser(userId: string): Promise<PublicUser | null> {
  const u = await db().user.findUnique({ where: { id: userId } });
  return u ? toPublic(u) : null;
}

/** Administrators only; refused when it would demote the last active administrator (the caller included). */
export async function setUserRole(actor: Actor, ref: UserRef, roleInput: unknown): Promise<PublicUser> {
  requirePermission(actor.role, "users:manage");
  const role = parseOrThrow(NewUser.shape.role, roleInput, "role");
  return db().$transaction(async (tx) => {
    const user = await findUser(tx, ref);
    if (user.role === role) return toPublic(user);
    if (user.role === "administrator" && !user.disabledAt) await requireAnotherAdministrator(tx, user.id, "role", "demote");
    const updated = await tx.user.update({ where: { id: user.id }, data: { role } });
    await appendAudit(tx, actor, { action: "user.role-change", targetType: "user", targetId: user.id, before: { role: user.role }, after: { role } });
    return toPublic(updated);
  });
}
