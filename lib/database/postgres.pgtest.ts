import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { issueCertificate } from "../certificates/issue";
import { listCertificates } from "../certificates/query";
import { requestWithGeneratedKey } from "../certificates/request";
import { databaseBackend, databaseChangeToken, db } from "../db";
import { createIssuer } from "../issuers/service";
import { revocationInfoDer } from "../repository/documents";
import { verifyAuditLog } from "../audit/log";
import { withDatabase } from "../test/pgGlobalSetup";
import { SessionLead } from "./postgres";

/**
 * The PostgreSQL side of lib/database: change notifications (the cache token), the jobs'
 * lead, the audit log's append-only guards, case-insensitive search, and the migrations
 * against the generated schema. Runs in vitest.pg.config.mts only.
 */
const admin = { kind: "cli", name: "test", role: "administrator" } as const;
const url = () => process.env.DATABASE_URL!;
const other = new pg.Client({ connectionString: url() });
const opened = other.connect();
afterAll(() => other.end());

async function until<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("PostgreSQL backend", () => {
  it("moves the change token when another connection commits an RN change, not before the commit; the repository publishes it", async () => {
    expect(databaseBackend().kind).toBe("postgresql");
    await createIssuer(admin, { name: "notify-ca", keyType: "ec-p256" });
    await opened;
    const listening = await until("the listener", () => databaseChangeToken());
    // The first read signs and stores the revocation information: a commit, notified like any other.
    await revocationInfoDer("notify-ca");
    await until("the store's notification", () => databaseChangeToken() !== listening);
    const first = await revocationInfoDer("notify-ca");
    expect(await revocationInfoDer("notify-ca")).toBe(first); // cached: unchanged token
    const token = databaseChangeToken();
    await other.query("BEGIN");
    await other.query(`UPDATE "Issuer" SET "revocationNumber" = 7 WHERE name = 'notify-ca'`);
    await new Promise((r) => setTimeout(r, 100));
    expect(databaseChangeToken()).toBe(token); // uncommitted: nothing delivered
    const t0 = Date.now();
    await other.query("COMMIT");
    await until("the notification", () => databaseChangeToken() !== token);
    console.log(`change notification delivered ${Date.now() - t0} ms after the commit`);
    const after = await revocationInfoDer("notify-ca");
    expect(after).not.toBe(first);
    expect(after.etag).not.toBe(first.etag);
  });

  it("moves the token as this process's own write returns, before any notification; reads leave it (and the caches) alone", async () => {
    await until("the listener", () => databaseChangeToken());
    const own = () => Number(databaseChangeToken()!.split(".").at(-1));
    const n = own();
    await db().issuer.findMany({ select: { id: true } });
    await db().$transaction((tx) => tx.issuer.count());
    expect(own()).toBe(n);
    await db().issuer.update({ where: { name: "notify-ca" }, data: { publicUrl: null } }); // a statement outside a transaction
    expect(own()).toBeGreaterThan(n);
    const m = own();
    await db().$transaction((tx) => tx.issuer.update({ where: { name: "notify-ca" }, data: { publicUrl: null } }));
    expect(own()).toBeGreaterThan(m);
  });

  it("reports no token while the listener is disconnected, and a new one after it reconnects", async () => {
    const token = await until("the listener", () => databaseChangeToken());
    // Kill the listening session from outside, as a failover or a restart would.
    await other.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'`);
    await until("the token to go null", () => databaseChangeToken() === null);
    const again = await until("the listener to reconnect", () => databaseChangeToken(), 5000);
    expect(again).not.toBe(token);
  });

  it("gives the jobs' lead to one session at a time, and to another when its holder's session ends", async () => {
    const a = new SessionLead(url(), 60_000);
    const b = new SessionLead(url(), 60_000);
    try {
      const [la, lb] = [await a.poll(), await b.poll()];
      expect([la, lb].filter(Boolean)).toHaveLength(1);
      const [leader, follower] = la ? [a, b] : [b, a];
      expect(await follower.poll()).toBe(false);
      // The leader's instance dies: its session ends and the lock is released.
      await leader.stop();
      expect(await follower.poll()).toBe(true);
      expect(leader.leading()).toBe(false);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it("refuses UPDATE, DELETE and TRUNCATE of the audit log in the database itself; the chain verifies", async () => {
    await createIssuer(admin, { name: "audit-ca", keyType: "ec-p256" });
    await expect(other.query(`UPDATE "AuditEvent" SET "action" = 'x'`)).rejects.toThrow(/append-only/);
    await expect(other.query(`DELETE FROM "AuditEvent"`)).rejects.toThrow(/append-only/);
    await expect(other.query(`TRUNCATE "AuditEvent"`)).rejects.toThrow(/append-only/);
    await expect(other.query(`DELETE FROM "AuditAnchor"`)).rejects.toThrow(/never removed/);
    expect(await verifyAuditLog(db())).toMatchObject({ ok: true });
  });

  it("keeps audit seqs gap-free when a transaction that appended rolls back (a sequence would not)", async () => {
    const { appendAudit } = await import("../audit/log");
    await expect(
      db().$transaction(async (tx) => {
        await appendAudit(tx, admin, { action: "issuer.create", targetType: "issuer", targetId: "rolled-back" });
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    await createIssuer(admin, { name: "after-rollback-ca", keyType: "ec-p256" });
    const seqs = (await db().auditEvent.findMany({ select: { seq: true }, orderBy: { seq: "asc" } })).map((r) => r.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(await verifyAuditLog(db())).toMatchObject({ ok: true });
  });

  it("searches certificates ignoring case, as SQLite's LIKE does", async () => {
    await createIssuer(admin, { name: "search-ca", keyType: "ec-p256" });
    await issueCertificate(admin, "search-ca", await requestWithGeneratedKey({ subject: { CN: "Gateway-7.Example" }, keyType: "ec-p256" }));
    const found = await listCertificates({ issuer: "search-ca", q: "gateway-7" });
    expect(found.rows.map((r) => r.commonName)).toEqual(["Gateway-7.Example"]);
  });

  it("refuses a NUL character in a query parameter as bad input (PostgreSQL text cannot hold one), in and out of transactions", async () => {
    const refused = { name: "InputError", field: "input", message: expect.stringMatching(/NUL character/) };
    await expect(db().issuer.findUnique({ where: { name: "x\u0000" } })).rejects.toMatchObject(refused);
    await expect(db().$transaction((tx) => tx.topology.create({ data: { name: "t\u0000", document: "{}" } }))).rejects.toMatchObject(refused);
    await expect(revocationInfoDer("no\u0000such")).rejects.toMatchObject(refused);
    expect(await db().issuer.count()).toBeGreaterThanOrEqual(0); // the connection is still usable
  });

  it("migrates one new database from two starting instances at once (npm start's step; the database is created)", async () => {
    const name = `${new URL(url()).pathname.slice(1)}_new`;
    const env = { ...process.env, DATABASE_URL: withDatabase(url(), name) };
    const migrate = () =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, ["node_modules/tsx/dist/cli.mjs", "scripts/migrate.ts"], { env, stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (out += d));
        child.on("exit", (code) => resolve({ code, out }));
      });
    try {
      const both = await Promise.all([migrate(), migrate()]);
      for (const r of both) expect(r.code, r.out).toBe(0);
      const c = new pg.Client({ connectionString: env.DATABASE_URL });
      await c.connect();
      const rows = (await c.query(`SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`)).rows;
      await c.end();
      expect(rows.map((r) => r.migration_name)).toEqual(fs.readdirSync("prisma/postgres/migrations").filter((f) => !f.endsWith(".toml")).sort());
      expect((await migrate()).out).toContain("up to date");
    } finally {
      await other.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    }
  }, 60_000);

  it("migrations build exactly the schema the datamodel describes (prisma/postgres/migrations vs prisma/postgres/schema.prisma)", async () => {
    // The datamodel's own DDL applied to an empty database, compared with this (migrated) one.
    const name = `${new URL(url()).pathname.slice(1)}_dm`;
    await other.query(`CREATE DATABASE "${name}"`);
    const fresh = new pg.Client({ connectionString: withDatabase(url(), name) });
    await fresh.connect();
    try {
      const ddl = execFileSync(process.execPath, ["node_modules/prisma/build/index.js", "migrate", "diff", "--from-empty", "--to-schema-datamodel", "prisma/postgres/schema.prisma", "--script"], { encoding: "utf8", env: { ...process.env, DATABASE_URL: url() } });
      await fresh.query(ddl);
      const shape = async (c: pg.Client) => {
        const cols = await c.query(`SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations' ORDER BY 1, 2`);
        const idx = await c.query(`SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' ORDER BY 1, 2`);
        const fks = await c.query(`SELECT conrelid::regclass::text AS t, conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND contype IN ('f', 'p', 'u') ORDER BY 1, 2`);
        return { columns: cols.rows, indexes: idx.rows, constraints: fks.rows.filter((r) => r.t !== "_prisma_migrations") };
      };
      expect(await shape(other)).toEqual(await shape(fresh));
    } finally {
      await fresh.end();
      await other.query(`DROP DATABASE "${name}"`);
    }
  });
});
