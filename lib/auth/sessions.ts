import { appendAudit } from "../audit";
import { db } from "../db";
import { dummyHash, verifyPassword } from "./password";
import { toPublic, type PublicUser } from "./users";
import { hashSecret, newSecret } from "./tokens";

export const SESSION_COOKIE = "rootline_session";
/** Idle timeout; each use within the window extends it (sliding). */
export const SESSION_IDLE_MS = 8 * 60 * 60 * 1000;

/** Sign-in throttling: failures per account and per client address within the window. */
export const RATE_WINDOW_MS = 15 * 60 * 1000;
export const MAX_FAILURES_PER_EMAIL = 5;
export const MAX_FAILURES_PER_IP = 20;

export type SignInResult =
  | { ok: true; token: string; user: PublicUser; expiresAt: Date }
  | { ok: false; error: "invalid" | "rate-limited"; message: string };

export async function signIn(emailInput: string, password: string, ip: string): Promise<SignInResult> {
  const email = emailInput.trim().toLowerCase();
  const since = new Date(Date.now() - RATE_WINDOW_MS);
  const keys = [`email:${email}`, `ip:${ip}`];
  const [byEmail, byIp] = await Promise.all(keys.map((key) => db().signInAttempt.count({ where: { key, attemptedAt: { gt: since } } })));
  if (byEmail >= MAX_FAILURES_PER_EMAIL || byIp >= MAX_FAILURES_PER_IP) {
    return { ok: false, error: "rate-limited", message: "too many failed sign-in attempts; wait 15 minutes and try again" };
  }
  const user = await db().user.findUnique({ where: { email } });
  // Hash even for unknown emails so response time does not reveal which accounts exist.
  const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyHash()));
  if (!user || !ok || user.disabledAt) {
    await db().signInAttempt.createMany({ data: keys.map((key) => ({ key })) });
    return { ok: false, error: "invalid", message: "wrong email or password" };
  }
  const token = newSecret();
  const expiresAt = new Date(Date.now() + SESSION_IDLE_MS);
  await db().$transaction(async (tx) => {
    await tx.session.create({ data: { id: hashSecret(token), userId: user.id, expiresAt } });
    await tx.signInAttempt.deleteMany({ where: { key: `email:${email}` } });
    await appendAudit(tx, { kind: "user", name: user.email, role: toPublic(user).role }, { action: "session.sign-in", targetType: "user", targetId: user.id, after: { ip } });
  });
  return { ok: true, token, user: toPublic(user), expiresAt };
}

/** The signed-in user for a cookie token, or null when missing, expired or disabled. */
export async function sessionUser(token: string | undefined): Promise<PublicUser | null> {
  if (!token) return null;
  const id = hashSecret(token);
  const session = await db().session.findUnique({ where: { id }, include: { user: true } });
  if (!session) return null;
  const now = Date.now();
  if (session.expiresAt.getTime() <= now || session.user.disabledAt) {
    await db().session.deleteMany({ where: { id } });
    return null;
  }
  // Extend the idle window at most once a minute, so reads stay cheap.
  if (now - session.lastSeenAt.getTime() > 60_000) {
    await db().session.update({ where: { id }, data: { lastSeenAt: new Date(now), expiresAt: new Date(now + SESSION_IDLE_MS) } });
  }
  return toPublic(session.user);
}

export async function signOut(token: string | undefined): Promise<void> {
  if (!token) return;
  const id = hashSecret(token);
  await db().$transaction(async (tx) => {
    const session = await tx.session.findUnique({ where: { id }, include: { user: true } });
    if (!session) return;
    await tx.session.delete({ where: { id } });
    await appendAudit(tx, { kind: "user", name: session.user.email, role: toPublic(session.user).role }, { action: "session.sign-out", targetType: "user", targetId: session.userId });
  });
}
