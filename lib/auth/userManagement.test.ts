import { describe, expect, it } from "vitest";
import { verifyAuditLog } from "../audit";
import { db } from "../db";
import { ForbiddenError } from "../errors";
import { changeOwnPassword, signOutEverywhere } from "./account";
import { createPasswordResetLink, RESET_LINK_TTL_MS, resetLinkState, resetPasswordWithLink } from "./passwordReset";
import { sessionUser, signIn } from "./sessions";
import { hashSecret } from "./tokens";
import { createUser, setUserDisabled, setUserRole } from "./users";

const PW = "correct horse battery";
const CLI = { kind: "cli", name: "test", role: "administrator" } as const;
/** scrypt at N=2^17 per hash: several seconds each on a busy 2-core machine. */
const SLOW = { timeout: 180_000 };

async function signedIn(email: string, password = PW): Promise<string> {
  const r = await signIn(email, password, "10.9.0.1");
  if (!r.ok) throw new Error(r.message);
  return r.token;
}

async function lastEvent(action: string) {
  return db().auditEvent.findFirstOrThrow({ where: { action }, orderBy: { seq: "desc" } });
}

describe("user management (real database)", SLOW, () => {
  it("changes a role, audited; refuses non-administrators and unknown roles", async () => {
    const admin = await createUser(CLI, { email: "boss@example.com", role: "administrator", password: PW });
    const op = await createUser(CLI, { email: "op@example.com", role: "operator", password: PW });
    const asAdmin = { kind: "user", name: admin.email, role: "administrator", userId: admin.id } as const;
    expect(await setUserRole(asAdmin, { id: op.id }, "auditor")).toMatchObject({ role: "auditor" });
    const ev = await lastEvent("user.role-change");
    expect(ev).toMatchObject({ actor: "user:boss@example.com", targetType: "user", targetId: op.id });
    expect(JSON.parse(ev.before!)).toEqual({ role: "operator" });
    expect(JSON.parse(ev.after!)).toEqual({ role: "auditor" });
    await expect(setUserRole({ kind: "user", name: op.email, role: "operator" }, { id: admin.id }, "auditor")).rejects.toBeInstanceOf(ForbiddenError);
    await expect(setUserRole(asAdmin, { id: op.id }, "root")).rejects.toMatchObject({ field: "role", status: 400 });
    await expect(setUserRole(asAdmin, { email: "nobody@example.com" }, "auditor")).rejects.toMatchObject({ field: "email", status: 404 });
  });

  it("never leaves no active administrator: refuses demoting or disabling the last one, the caller included", async () => {
    const admin = await db().user.findUniqueOrThrow({ where: { email: "boss@example.com" } });
    const self = { kind: "user", name: admin.email, role: "administrator", userId: admin.id } as const;
    await expect(setUserRole(self, { id: admin.id }, "operator")).rejects.toMatchObject({ field: "role", status: 409, message: expect.stringContaining("last active administrator") });
    await expect(setUserRole(CLI, { email: admin.email }, "auditor")).rejects.toMatchObject({ status: 409 });
    await expect(setUserDisabled(CLI, admin.id, true)).rejects.toMatchObject({ status: 409 });
    // A disabled administrator does not count: they cannot sign in to manage anyone.
    const second = await createUser(CLI, { email: "second@example.com", role: "administrator", password: PW });
    await setUserDisabled(CLI, second.id, true);
    await expect(setUserRole(self, { id: admin.id }, "operator")).rejects.toMatchObject({ status: 409 });
    // With another active administrator, stepping down is allowed.
    await setUserDisabled(CLI, second.id, false);
    expect(await setUserRole(self, { id: admin.id }, "operator")).toMatchObject({ role: "operator" });
    expect(await setUserRole(CLI, { id: admin.id }, "administrator")).toMatchObject({ role: "administrator" });
    expect(await db().user.findUniqueOrThrow({ where: { id: admin.id } })).toMatchObject({ role: "administrator" });
  });

  it("a reset link: only its hash stored, works once, expires, ends the user's sessions", async () => {
    const op = await db().user.findUniqueOrThrow({ where: { email: "op@example.com" } });
    const session = await signedIn(op.email);
    await expect(createPasswordResetLink({ kind: "user", name: op.email, role: "auditor" }, op.id)).rejects.toBeInstanceOf(ForbiddenError);
    const first = await createPasswordResetLink(CLI, op.id);
    const link = await createPasswordResetLink(CLI, op.id);
    expect(link.expiresAt.getTime() - Date.now()).toBeGreaterThan(RESET_LINK_TTL_MS - 60_000);
    expect(await db().passwordReset.findUnique({ where: { id: link.token } })).toBeNull();
    expect(await db().passwordReset.count({ where: { id: hashSecret(link.token) } })).toBe(1);
    // A newer link replaces the older one.
    expect(await resetLinkState(first.token)).toMatchObject({ ok: false });
    expect(await resetLinkState(link.token)).toEqual({ ok: true, email: op.email });
    await expect(resetPasswordWithLink(link.token, "short")).rejects.toMatchObject({ field: "password" });
    expect(await resetLinkState(link.token)).toMatchObject({ ok: true }); // a refused attempt does not use it up

    expect(await resetPasswordWithLink(link.token, "a brand new password")).toEqual({ email: op.email });
    expect(await sessionUser(session)).toBeNull();
    await expect(resetPasswordWithLink(link.token, "yet another password")).rejects.toMatchObject({ field: "token", message: expect.stringContaining("already used") });
    expect((await signIn(op.email, PW, "10.9.0.2")).ok).toBe(false);
    expect((await signIn(op.email, "a brand new password", "10.9.0.2")).ok).toBe(true);
    const ev = await lastEvent("user.password-reset");
    expect(ev).toMatchObject({ actor: "system:password-reset", targetId: op.id });
    expect(JSON.parse(ev.after!)).toEqual({ sessionsEnded: 1, linkBy: "cli:test" });
    expect(await lastEvent("user.password-reset-link")).toMatchObject({ actor: "cli:test", targetId: op.id });

    const expired = await createPasswordResetLink(CLI, op.id);
    await db().passwordReset.update({ where: { id: hashSecret(expired.token) }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await resetLinkState(expired.token)).toMatchObject({ ok: false, message: expect.stringContaining("expired") });
    await expect(resetPasswordWithLink(expired.token, "a brand new password 2")).rejects.toMatchObject({ field: "token" });
  });

  it("two simultaneous uses of one link: exactly one succeeds", async () => {
    const op = await db().user.findUniqueOrThrow({ where: { email: "op@example.com" } });
    const link = await createPasswordResetLink(CLI, op.id);
    const results = await Promise.allSettled([resetPasswordWithLink(link.token, "racing password one"), resetPasswordWithLink(link.token, "racing password two")]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
  });

  it("changes your own password with the current one; other sessions end, this one stays", async () => {
    const u = await createUser(CLI, { email: "self@example.com", role: "auditor", password: PW });
    const here = await signedIn(u.email);
    const elsewhere = await signedIn(u.email);
    const me = { kind: "user", name: u.email, role: "auditor", userId: u.id } as const;
    await expect(changeOwnPassword(me, { current: "not my password", next: "my new password" })).rejects.toMatchObject({ field: "current" });
    await expect(changeOwnPassword(me, { current: PW, next: "short" })).rejects.toMatchObject({ field: "next" });
    expect(await changeOwnPassword(me, { current: PW, next: "my new password", keepSessionToken: here })).toEqual({ sessionsEnded: 1 });
    expect((await sessionUser(here))?.email).toBe(u.email);
    expect(await sessionUser(elsewhere)).toBeNull();
    expect(JSON.parse((await lastEvent("user.password-change")).after!)).toEqual({ sessionsEnded: 1 });
    expect((await signIn(u.email, "my new password", "10.9.0.3")).ok).toBe(true);
  });

  it("signs out everywhere: your own sessions; another user's only as an administrator", async () => {
    const u = await db().user.findUniqueOrThrow({ where: { email: "self@example.com" } });
    const op = await db().user.findUniqueOrThrow({ where: { email: "op@example.com" } });
    const me = { kind: "user", name: u.email, role: "auditor", userId: u.id } as const;
    await expect(signOutEverywhere(me, op.id)).rejects.toBeInstanceOf(ForbiddenError);
    const a = await signedIn(u.email, "my new password");
    expect((await signOutEverywhere(me, u.id)).sessionsEnded).toBeGreaterThanOrEqual(2);
    expect(await sessionUser(a)).toBeNull();
    const b = await signedIn(u.email, "my new password");
    const boss = await db().user.findUniqueOrThrow({ where: { email: "boss@example.com" } });
    expect(await signOutEverywhere({ kind: "user", name: boss.email, role: "administrator", userId: boss.id }, u.id)).toEqual({ sessionsEnded: 1 });
    expect(await sessionUser(b)).toBeNull();
    expect(await lastEvent("session.sign-out-everywhere")).toMatchObject({ actor: "user:boss@example.com", targetId: u.id });
    expect(await verifyAuditLog(db())).toMatchObject({ ok: true });
  });
});
