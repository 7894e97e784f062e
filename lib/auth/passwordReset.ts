import { appendAudit, actorLabel } from "../audit";
import { type Actor } from "./actor";
import { db, type Tx } from "../db";
import { ConflictError, InputError, NotFoundError } from "../errors";
import { checkNewPassword, hashPassword } from "./password";
import { requirePermission } from "./roles";
import { hashSecret, newSecret } from "./tokens";

/** How long a reset link works: long enough to hand it over out of band, short if it leaks. */
export const RESET_LINK_TTL_MS = 24 * 60 * 60 * 1000;

/** Who writes the reset to the log: whoever holds the link, not necessarily its user. */
const RESET: Actor = { kind: "system", name: "password-reset", role: "auditor" };

/** The path of the page that takes a link's token (the UI puts its own origin in front). */
export function resetPath(token: string): string {
  return `/reset-password?token=${encodeURIComponent(token)}`;
}

/**
 * Administrators make a one-time link for a user who forgot their password. The token is
 * returned once and only its hash is stored; a new link replaces the user's unused one.
 */
export async function createPasswordResetLink(actor: Actor, userId: string): Promise<{ token: string; expiresAt: Date; email: string }> {
  requirePermission(actor.role, "users:manage");
  const token = newSecret();
  const expiresAt = new Date(Date.now() + RESET_LINK_TTL_MS);
  return db().$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { id: userId } });
    if (!user) throw new NotFoundError("userId", "no such user");
    if (user.disabledAt) throw new ConflictError("userId", "the account is disabled: enable it before resetting its password");
    await tx.passwordReset.deleteMany({ where: { userId, usedAt: null } });
    await tx.passwordReset.create({ data: { id: hashSecret(token), userId, createdBy: actorLabel(actor), expiresAt } });
    await appendAudit(tx, actor, { action: "user.password-reset-link", targetType: "user", targetId: userId, after: { expiresAt: expiresAt.toISOString() } });
    return { token, expiresAt, email: user.email };
  });
}

export type ResetLinkState = { ok: true; email: string } | { ok: false; message: string };

const UNUSABLE = "this reset link is not valid: it was already used, replaced by a newer one, or mistyped. Ask an administrator for a new link.";

async function findUsable(tx: Tx, token: string) {
  if (!token) return { ok: false as const, message: UNUSABLE };
  const reset = await tx.passwordReset.findUnique({ where: { id: hashSecret(token) }, include: { user: true } });
  if (!reset || reset.usedAt) return { ok: false as const, message: UNUSABLE };
  if (reset.expiresAt.getTime() <= Date.now()) return { ok: false as const, message: "this reset link has expired. Ask an administrator for a new link." };
  if (reset.user.disabledAt) return { ok: false as const, message: "this account is disabled." };
  return { ok: true as const, reset };
}

/** What the reset page shows before anything is typed; looking does not use the link up. */
export async function resetLinkState(token: string): Promise<ResetLinkState> {
  const r = await findUsable(db(), token);
  return r.ok ? { ok: true, email: r.reset.user.email } : r;
}

/**
 * Sets the new password and uses the link up, in one transaction: the `usedAt: null`
 * condition makes a second use (even a concurrent one) fail. Every session of the user
 * ends, so whoever had the account before the reset is out.
 */
export async function resetPasswordWithLink(token: string, newPassword: unknown): Promise<{ email: string }> {
  const password = checkNewPassword(newPassword);
  const before = await findUsable(db(), token);
  if (!before.ok) throw new InputError("token", before.message);
  const passwordHash = await hashPassword(password);
  return db().$transaction(async (tx) => {
    const now = await findUsable(tx, token);
    if (!now.ok) throw new InputError("token", now.message);
    const { reset } = now;
    const used = await tx.passwordReset.updateMany({ where: { id: reset.id, usedAt: null }, data: { usedAt: new Date() } });
    if (used.count !== 1) throw new InputError("token", UNUSABLE);
    await tx.user.update({ where: { id: reset.userId }, data: { passwordHash } });
    const ended = await tx.session.deleteMany({ where: { userId: reset.userId } });
    // A fresh start for sign-in throttling too: the failures were the forgotten password.
    await tx.signInAttempt.deleteMany({ where: { key: `email:${reset.user.email}` } });
    await appendAudit(tx, RESET, { action: "user.password-reset", targetType: "user", targetId: reset.userId, after: { sessionsEnded: ended.count, linkBy: reset.createdBy } });
    return { email: reset.user.email };
  });
}
