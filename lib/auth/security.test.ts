import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { db } from "../db";
import { authenticateBearer, createApiToken } from "./apiTokens";
import { hashPassword, needsRehash, verifyPassword } from "./password";
import { MAX_FAILURES_PER_EMAIL, SESSION_MAX_MS, sessionUser, signIn } from "./sessions";
import { createUser, setUserDisabled } from "./users";

const PW = "correct horse battery";
const ADMIN = { kind: "cli", name: "test", role: "administrator" } as const;
/** Each sign-in runs scrypt at N=2^17 (~0.5 s alone, several seconds on a busy 2-core machine). */
const SLOW = { timeout: 120_000 };

async function userNamed(email: string, role: "administrator" | "operator" | "auditor" = "operator") {
  return (await db().user.findUnique({ where: { email } })) ?? createUser(ADMIN, { email, role, password: PW });
}

describe("sign-in throttling", SLOW, () => {
  it("counts attempts atomically before the password check: of 12 simultaneous guesses only the limit reach it", async () => {
    await userNamed("target@example.com");
    const results = await Promise.all(Array.from({ length: 12 }, () => signIn("target@example.com", "wrong password!", "10.1.1.1")));
    expect(results.filter((r) => !r.ok && r.error === "invalid")).toHaveLength(MAX_FAILURES_PER_EMAIL);
    expect(results.filter((r) => !r.ok && r.error === "rate-limited")).toHaveLength(12 - MAX_FAILURES_PER_EMAIL);
  });

  it("records each failed sign-in in the audit log, without the typed email of an unknown account", async () => {
    const target = await db().user.findUniqueOrThrow({ where: { email: "target@example.com" } });
    const failed = await db().auditEvent.findMany({ where: { action: "session.sign-in-failed" } });
    expect(failed).toHaveLength(MAX_FAILURES_PER_EMAIL);
    expect(failed[0]).toMatchObject({ actor: "system:sign-in", targetType: "user", targetId: target.id });
    expect(JSON.parse(failed[0].after!)).toEqual({ ip: "10.1.1.1", reason: "wrong password" });
    await signIn("my-password-by-mistake", "whatever it is", "10.1.1.2");
    const unknown = await db().auditEvent.findFirstOrThrow({ where: { action: "session.sign-in-failed", targetType: "sign-in" } });
    expect(unknown.targetId).toBe("unknown");
    expect(unknown.after).not.toContain("my-password");
  });

  it("purges attempts older than the window", async () => {
    await db().signInAttempt.create({ data: { key: "ip:192.0.2.1", attemptedAt: new Date(Date.now() - 60 * 60 * 1000) } });
    await signIn("nobody@example.com", "wrong password!", "10.1.1.3");
    expect(await db().signInAttempt.count({ where: { key: "ip:192.0.2.1" } })).toBe(0);
  });

  it("a successful sign-in does not count against the client's address", async () => {
    await userNamed("fine@example.com");
    expect((await signIn("fine@example.com", PW, "10.1.1.4")).ok).toBe(true);
    expect(await db().signInAttempt.count({ where: { key: "ip:10.1.1.4" } })).toBe(0);
  });
});

describe("sessions", SLOW, () => {
  it("end at their absolute lifetime even when in use all along", async () => {
    const r = await signIn("fine@example.com", PW, "10.1.2.1");
    if (!r.ok) throw new Error(r.message);
    const id = crypto.createHash("sha256").update(r.token).digest("hex");
    const born = new Date(Date.now() - SESSION_MAX_MS - 1000);
    await db().session.update({ where: { id }, data: { createdAt: born, lastSeenAt: new Date(), expiresAt: new Date(Date.now() + 3600_000) } });
    expect(await sessionUser(r.token)).toBeNull();
    expect(await db().session.count({ where: { id } })).toBe(0);
  });

  it("never slide past the absolute end", async () => {
    const r = await signIn("fine@example.com", PW, "10.1.2.2");
    if (!r.ok) throw new Error(r.message);
    const id = crypto.createHash("sha256").update(r.token).digest("hex");
    const born = new Date(Date.now() - SESSION_MAX_MS + 60_000);
    await db().session.update({ where: { id }, data: { createdAt: born, lastSeenAt: new Date(Date.now() - 120_000) } });
    expect(await sessionUser(r.token)).not.toBeNull();
    const s = await db().session.findUniqueOrThrow({ where: { id } });
    expect(s.expiresAt.getTime()).toBeLessThanOrEqual(born.getTime() + SESSION_MAX_MS);
  });
});

describe("passwords: scrypt at OWASP's parameters", SLOW, () => {
  it("hashes with N=2^17, r=8, p=1 and still verifies hashes made with older parameters, upgrading them at sign-in", async () => {
    const h = await hashPassword(PW);
    expect(h).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect(await verifyPassword(PW, h)).toBe(true);
    expect(await verifyPassword("another password", h)).toBe(false);
    // A hash written by the previous version (N=2^15).
    const salt = crypto.randomBytes(16);
    const old = ["scrypt", 32768, 8, 1, salt.toString("base64"), crypto.scryptSync(PW, salt, 32, { N: 32768, r: 8, p: 1, maxmem: 64 << 20 }).toString("base64")].join("$");
    expect(needsRehash(old)).toBe(true);
    expect(needsRehash(h)).toBe(false);
    const u = await userNamed("legacy@example.com");
    await db().user.update({ where: { id: u.id }, data: { passwordHash: old } });
    expect((await signIn("legacy@example.com", PW, "10.1.3.1")).ok).toBe(true);
    expect((await db().user.findUniqueOrThrow({ where: { id: u.id } })).passwordHash).toMatch(/^scrypt\$131072\$/);
    expect((await signIn("legacy@example.com", PW, "10.1.3.1")).ok).toBe(true);
  });

  it("refuses stored hashes with absurd parameters instead of running them", async () => {
    expect(await verifyPassword(PW, "scrypt$4194304$8$1$c2FsdA==$aGFzaGhhc2hoYXNoaGFzaA==")).toBe(false);
    expect(await verifyPassword(PW, "scrypt$1000$8$1$c2FsdA==$aGFzaGhhc2hoYXNoaGFzaA==")).toBe(false);
  });
});

describe("API tokens", SLOW, () => {
  it("a disabled user's tokens are revoked with the account (and its sessions end)", async () => {
    const admin = await userNamed("boss@example.com", "administrator");
    const owner = await userNamed("leaver@example.com");
    const { token, info } = await createApiToken(ADMIN, { name: "leaver's pipeline", role: "operator", owner: owner.email });
    const s = await signIn(owner.email, PW, "10.1.4.1");
    expect(await authenticateBearer(`Bearer ${token}`)).toMatchObject({ ok: true }); // now cached too
    await setUserDisabled({ kind: "user", name: admin.email, role: "administrator" }, owner.id, true);
    expect(await authenticateBearer(`Bearer ${token}`)).toMatchObject({ ok: false });
    expect((await db().apiToken.findUniqueOrThrow({ where: { id: info.id } })).revokedAt).not.toBeNull();
    if (s.ok) expect(await sessionUser(s.token)).toBeNull();
    const revoked = await db().auditEvent.findFirstOrThrow({ where: { action: "api-token.revoke", targetId: info.id } });
    expect(JSON.parse(revoked.after!)).toEqual({ revoked: true, reason: "owner disabled" });
    // Enabling the account again does not bring the token back.
    await setUserDisabled(ADMIN, owner.id, false);
    expect(await authenticateBearer(`Bearer ${token}`)).toMatchObject({ ok: false });
  });

  it("refuses a token whose owner is disabled even if the token row was never revoked", async () => {
    const owner = await userNamed("sneaky@example.com");
    const { token } = await createApiToken(ADMIN, { name: "sneaky", role: "operator", owner: owner.email });
    await db().user.update({ where: { id: owner.id }, data: { disabledAt: new Date() } });
    expect(await authenticateBearer(`Bearer ${token}`)).toMatchObject({ ok: false });
  });

  it("expire after their time to live", async () => {
    const owner = await userNamed("ci-owner@example.com", "administrator");
    const { token, info } = await createApiToken(ADMIN, { name: "short-lived", role: "auditor", owner: owner.email, ttlDays: "1" });
    expect(info.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 86_300_000);
    expect(await authenticateBearer(`Bearer ${token}`)).toMatchObject({ ok: true });
    const fresh = await createApiToken(ADMIN, { name: "already over", role: "auditor", owner: owner.email, ttlDays: 1 });
    await db().apiToken.update({ where: { id: fresh.info.id }, data: { expiresAt: new Date(Date.now() - 1) } });
    expect(await authenticateBearer(`Bearer ${fresh.token}`)).toEqual({ ok: false, message: "expired API token" });
  });

  it("validate owner, role and time to live", async () => {
    const auditor = await userNamed("watcher@example.com", "auditor");
    await expect(createApiToken(ADMIN, { name: "x", role: "operator" })).rejects.toMatchObject({ field: "owner" });
    await expect(createApiToken(ADMIN, { name: "x", role: "operator", owner: "ghost@example.com" })).rejects.toMatchObject({ field: "owner", status: 404 });
    await expect(createApiToken(ADMIN, { name: "x", role: "operator", owner: auditor.email })).rejects.toMatchObject({ field: "role" });
    for (const ttlDays of ["0", "abc", "1.5", "99999", -1]) {
      await expect(createApiToken(ADMIN, { name: "x", role: "auditor", owner: auditor.email, ttlDays })).rejects.toMatchObject({ field: "ttlDays" });
    }
    expect((await createApiToken(ADMIN, { name: "forever", role: "auditor", owner: auditor.email, ttlDays: "" })).info.expiresAt).toBeNull();
  });
});
