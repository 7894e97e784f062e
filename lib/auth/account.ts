import { appendAudit } from "../audit";
import { type Actor } from "./actor";
import { db } from "../db";
import { InputError, NotFoundError } from "../errors";
import { checkNewPassword, hashPassword, verifyPassword } from "./password";
import { requirePermission } from "./roles";
import { hashSecret } from "./tokens";

/** A signed-in user acting on an account: `userId` says whose session asked. */
export type UserActor = Actor & { userId?: string };

/** Sessions of a user that still work (not past their idle expiry). */
export async function activeSessionCount(userId: string): Promise<number> {
  return db().session.count({ where: { userId, expiresAt: { gt: new Date() } } });
}

/**
 * Ends every session of a user: their own (anyone), or another user's (administrators).
 * API tokens are not sessions and stay; disabling the account is what revokes those.
 */
export async function signOutEverywhere(actor: UserActor, userId: string): Promise<{ sessionsEnded: number }> {
  if (actor.userId !== userId) requirePermission(actor.role, "users:manage");
  return db().$transaction(async (tx) => {
    if (!(await tx.user.findUnique({ where: { id: userId }, select: { id: true } }))) throw new NotFoundError("userId", "no such user");
    const ended = await tx.session.deleteMany({ where: { userId } });
    await appendAudit(tx, actor, { action: "session.sign-out-everywhere", targetType: "user", targetId: userId, after: { sessionsEnded: ended.count } });
    return { sessionsEnded: ended.count };
  });
}

/**
 * A user changes their own password, proving they know the current one (a session left
 * open on a shared screen must not be enough to take the account over). Their other
 * sessions end; the one asking (`keepSessionToken`) stays signed in.
 */
export async function changeOwnPassword(actor: UserActor & { userId: string }, input: { current: unknown; next: unknown; keepSessionToken?: string }): Promise<{ sessionsEnded: number }> {
  const next = checkNewPassword(input.next, "next");
  const current = typeof input.current === "string" ? input.current : "";
  if (!current) throw new InputError("current", "enter your current password");
  const user = await db().user.findUnique({ where: { id: actor.userId } });
  if (!user || user.disabledAt) throw new NotFoundError("userId", "no such user");
  if (!(await verifyPassword(current, user.passwordHash))) throw new InputError("current", "the current password is wrong");
  if (current === next) throw new InputError("next", "the new password is the same as the current one");
  const passwordHash = await hashPassword(next);
  const keep = input.keepSessionToken ? hashSecret(input.keepSessionToken) : undefined;
  return db().$transaction(async (tx) => {
    // Compare-and-set: a reset or another change in between wins, this one is refused.
    const changed = await tx.user.updateMany({ where: { id: user.id, passwordHash: user.passwordHash }, data: { passwordHash } });
    if (changed.count !== 1) throw new InputError("current", "the password was changed meanwhile; sign in again");
    const ended = await tx.session.deleteMany({ where: { userId: user.id, ...(keep ? { id: { not: keep } } : {}) } });
    await appendAudit(tx, actor, { action: "user.password-change", targetType: "user", targetId: user.id, after: { sessionsEnded: ended.count } });
    return { sessionsEnded: ended.count };
  });
}
