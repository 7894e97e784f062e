import { appendAudit } from "../audit";
import { type Actor } from "./actor";
import { db } from "../db";
import { dummyHash, hashPassword, needsRehash, verifyPassword } from "./password";
import { toPublic, type PublicUser } from "./users";
import { hashSecret, newSecret } from "./tokens";

export const SESSION_COOKIE = "rootline_session";
/** Idle timeout; each use within the window extends it (sliding). */
export const SESSION_IDLE_MS = 8 * 60 * 60 * 1000;
/** Absolute lifetime: however active, a session ends this long after sign-in. */
export const SESSION_MAX_MS = 12 * 60 * 60 * 1000;

/** Sign-in throttling: attempts per account and per client address within the window. */
export const RATE_WINDOW_MS = 15 * 60 * 1000;
export const MAX_FAILURES_PER_EMAIL = 5;
export const MAX_FAILURES_PER_IP = 20;

/** Who writes failed sign-ins to the audit log: nobody is signed in yet. */
const SIGN_IN: Actor = { kind: "system", name: "sign-in", role: "auditor" };

export type SignInResult =
  | { ok: true; token: string; user: PublicUser; expiresAt: Date }
  | { ok: false; error: "invalid" | "rate-limited"; message: string };

const RATE_LIMITED: SignInResult = { ok: false, error: "rate-limited", message: "too many failed sign-in attempts; wait 15 minutes and try again" };
const INVALID: SignInResult = { ok: false, error: "invalid", message: "wrong email or password" };

/**
 * Counts and records the attempt in one write transaction (SQLite's write lock, so
 * concurrent guesses from any process queue) before any password is checked: of N
 * simultaneous guesses at most the limit reach scrypt. Expired rows are purged here too.
 * Returns the ids of the rows written, or null when over a limit.
 */
async function takeAttempt(email: string, ip: string): Promise<number[] | null> {
  const since = new Date(Date.now() - RATE_WINDOW_MS);
  return db().$transaction(async (tx) => {
    await tx.signInAttempt.deleteMany({ where: { attemptedAt: { lte: since } } });
    const byEmail = await tx.signInAttempt.count({ where: { key: `email:${email}` } });
    const byIp = await tx.signInAttempt.count({ where: { key: `ip:${ip}` } });
    if (byEmail >= MAX_FAILURES_PER_EMAIL || byIp >= MAX_FAILURES_PER_IP) return null;
    const rows = await tx.signInAttempt.createManyAndReturn({ data: [{ key: `email:${email}` }, { key: `ip:${ip}` }], select: { id: true } });
    return rows.map((r) => r.id);
  });
}

export async function signIn(emailInput: string, password: string, ip: string): Promise<SignInResult> {
  const email = emailInput.trim().toLowerCase();
  const attempt = await takeAttempt(email, ip);
  if (!attempt) return RATE_LIMITED;
  const user = await db().user.findUnique({ where: { email } });
  // Hash even for unknown emails so response time does not reveal which accounts exist.
  const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyHash()));
  if (!user || !ok || user.disabledAt) {
    // The typed email is not logged for unknown accounts: people type passwords there.
    const reason = !user ? "no such account" : !ok ? "wrong password" : "account disabled";
    await db().$transaction((tx) => appendAudit(tx, SIGN_IN, { action: "session.sign-in-failed", targetType: user ? "user" : "sign-in", targetId: user?.id ?? "unknown", after: { ip, reason } }));
    return INVALID;
  }
  // Hashes made with older scrypt parameters are upgraded while the password is at hand.
  const rehashed = needsRehash(user.passwordHash) ? await hashPassword(password) : null;
  const token = newSecret();
  const expiresAt = new Date(Date.now() + SESSION_IDLE_MS);
  await db().$transaction(async (tx) => {
    await tx.session.create({ data: { id: hashSecret(token), userId: user.id, expiresAt } });
    if (rehashed) await tx.user.update({ where: { id: user.id }, data: { passwordHash: rehashed } });
    // A success clears the account's failures and does not count against the address.
    await tx.signInAttempt.deleteMany({ where: { OR: [{ key: `email:${email}` }, { id: { in: attempt } }] } });
    await appendAudit(tx, { kind: "user", name: user.email }, { action: "session.sign-in", targetType: "user", targetId: user.id, after: rehashed ? { ip, passwordRehashed: true } : { ip } });
  });
  return { ok: true, token, user: toPublic(user), expiresAt };
}

/** The signed-in user for a cookie token, or null when missing, expired (idle or absolute) or disabled. */
export async function sessionUser(token: string | undefined): Promise<PublicUser | null> {
  if (!token) return null;
  const id = hashSecret(token);
  const session = await db().session.findUnique({ where: { id }, include: { user: true } });
  if (!session) return null;
  const now = Date.now();
  const endOfLife = session.createdAt.getTime() + SESSION_MAX_MS;
  if (session.expiresAt.getTime() <= now || endOfLife <= now || session.user.disabledAt) {
    await db().session.deleteMany({ where: { id } });
    return null;
  }
  // Extend the idle window at most once a minute, so reads stay cheap; never past the absolute end.
  if (now - session.lastSeenAt.getTime() > 60_000) {
    await db().session.update({ where: { id }, data: { lastSeenAt: new Date(now), expiresAt: new Date(Math.min(now + SESSION_IDLE_MS, endOfLife)) } });
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
    await appendAudit(tx, { kind: "user", name: session.user.email }, { action: "session.sign-out", targetType: "user", targetId: session.userId });
  });
}
