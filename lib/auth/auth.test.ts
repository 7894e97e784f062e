import { describe, expect, it } from "vitest";
import { verifyAuditLog } from "../audit";
import { db } from "../db";
import { createApiToken, authenticateBearer, revokeApiToken } from "./apiTokens";
import { MAX_FAILURES_PER_EMAIL, sessionUser, signIn, signOut } from "./sessions";
import { createFirstAdministrator, createUser } from "./users";
import { ForbiddenError } from "../errors";
import { dropAuditTriggers } from "../test/audit";

const PW = "correct horse battery";

describe("users, sessions and tokens (real database)", () => {
  it("creates the first administrator only while no user exists", async () => {
    const admin = await createFirstAdministrator({ email: "Admin@Example.com", password: PW });
    expect(admin).toMatchObject({ email: "admin@example.com", role: "administrator" });
    await expect(createFirstAdministrator({ email: "other@example.com", password: PW })).rejects.toMatchObject({ field: "email", status: 409 });
    expect(await db().user.count()).toBe(1);
  });

  it("rejects bad user input naming the field, and writes nothing", async () => {
    const actor = { kind: "cli", name: "t", role: "administrator" } as const;
    await expect(createUser(actor, { email: "nope", role: "operator", password: PW })).rejects.toMatchObject({ field: "email" });
    await expect(createUser(actor, { email: "a@b.co", role: "root" as never, password: PW })).rejects.toMatchObject({ field: "role" });
    await expect(createUser(actor, { email: "a@b.co", role: "operator", password: "short" })).rejects.toMatchObject({ field: "password" });
    await expect(createUser(actor, { email: "admin@example.com", role: "operator", password: PW })).rejects.toMatchObject({ field: "email", status: 409 });
    await expect(createUser({ kind: "user", name: "op", role: "operator" }, { email: "x@y.co", role: "operator", password: PW })).rejects.toBeInstanceOf(ForbiddenError);
    expect(await db().user.count()).toBe(1);
  });

  it("signs in, resolves the session from the cookie token, signs out", async () => {
    const r = await signIn("admin@example.com", PW, "127.0.0.1");
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect((await sessionUser(r.token))?.email).toBe("admin@example.com");
    // The token is not stored: only its hash.
    expect(await db().session.findFirst({ where: { id: r.token } })).toBeNull();
    await signOut(r.token);
    expect(await sessionUser(r.token)).toBeNull();
  });

  it("treats an expired session as signed out", async () => {
    const r = await signIn("admin@example.com", PW, "127.0.0.1");
    if (!r.ok) throw new Error("sign-in failed");
    await db().session.updateMany({ data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await sessionUser(r.token)).toBeNull();
  });

  it("rate-limits failed sign-ins per account, even with the right password afterwards", async () => {
    for (let i = 0; i < MAX_FAILURES_PER_EMAIL; i++) {
      expect(await signIn("admin@example.com", "wrong password!", "10.0.0.9")).toMatchObject({ ok: false, error: "invalid" });
    }
    expect(await signIn("admin@example.com", PW, "10.0.0.9")).toMatchObject({ ok: false, error: "rate-limited" });
    await db().signInAttempt.deleteMany();
  }, 120_000); // five scrypt hashes at N=2^17 on a busy 2-core machine

  it("authenticates API tokens and refuses missing, malformed and revoked ones", async () => {
    const admin = await db().user.findFirstOrThrow();
    const { token, info } = await createApiToken({ kind: "user", name: admin.email, role: "administrator", userId: admin.id }, { name: "ci", role: "operator" });
    expect(await authenticateBearer(`Bearer ${token}`)).toMatchObject({ ok: true, actor: { kind: "token", name: "ci", role: "operator" } });
    expect(await authenticateBearer(null)).toMatchObject({ ok: false });
    expect(await authenticateBearer("Basic abc")).toMatchObject({ ok: false, message: expect.stringContaining("malformed") });
    expect(await authenticateBearer("Bearer rl_nonsense")).toMatchObject({ ok: false, message: expect.stringContaining("invalid") });
    await revokeApiToken({ kind: "user", name: admin.email, role: "administrator" }, info.id);
    expect(await authenticateBearer(`Bearer ${token}`)).toMatchObject({ ok: false });
  });

  it("recorded every change in an intact audit chain, and detects tampering in the database", async () => {
    const v = await verifyAuditLog(db());
    expect(v).toMatchObject({ ok: true });
    expect(v.count).toBeGreaterThanOrEqual(6);
    const second = await db().auditEvent.findFirstOrThrow({ where: { seq: 2 } });
    await dropAuditTriggers(); // SQLite refuses the update otherwise; someone with the file can do this
    await db().auditEvent.update({ where: { seq: 2 }, data: { actor: "user:mallory@example.com" } });
    expect(await verifyAuditLog(db())).toMatchObject({ ok: false, seq: 2 });
    await db().auditEvent.update({ where: { seq: 2 }, data: { actor: second.actor } });
  });
});
