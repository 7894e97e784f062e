import fs from "node:fs";
import { beforeEach, describe, expect, it } from "vitest";
import { databaseBackend, db } from "../db";
import type { AuditActor } from "./actor";
import { CHECKPOINT_EVERY } from "./anchor";
import { chainHash, GENESIS } from "./chain";
import { adoptAuditLog, appendAudit, appendAuditMany, verifyAuditLog } from "./log";
import { dropAuditTriggers } from "../test/audit";

const SYSTEM: AuditActor = { kind: "system", name: "rootline" };
const input = (i: number) => ({ action: "topology.create" as const, targetType: "topology", targetId: `t${i}`, after: { i } });

async function append(n: number) {
  for (let i = 0; i < n; i++) await db().$transaction((tx) => appendAudit(tx, SYSTEM, input(i)));
}

/** The attacker's full rewrite: every entry re-hashed from genesis, the anchor row untouched or updated without the key. */
async function rewriteAll(change: (i: number) => string) {
  const rows = await db().auditEvent.findMany({ orderBy: { seq: "asc" } });
  await db().$executeRawUnsafe(`DELETE FROM "AuditEvent"`);
  let prev = GENESIS;
  const data = rows.map((r, i) => {
    const rec = { ...r, after: change(i) };
    const hash = chainHash(prev, rec);
    const row = { ...rec, prevHash: prev, hash };
    prev = hash;
    return row;
  });
  await db().auditEvent.createMany({ data });
  return prev;
}

const pg = () => databaseBackend().kind === "postgresql";

/** SQLite's AUTOINCREMENT counter (PostgreSQL's seq is the head + 1, nothing to reset). */
async function resetSeqCounter() {
  if (!pg()) await db().$executeRawUnsafe(`DELETE FROM sqlite_sequence WHERE name = 'AuditEvent'`);
}

/** The audit triggers exactly as the migration of this database's dialect creates them. */
function migrationTriggers(): string[] {
  if (pg()) return fs.readFileSync("prisma/postgres/migrations/0001_init/migration.sql", "utf8").match(/CREATE TRIGGER "Audit[^;]*;/g)!;
  return fs.readFileSync("prisma/migrations/0004_audit_anchor/migration.sql", "utf8").match(/CREATE TRIGGER[^]*?END;/g)!;
}

// Each test starts from an empty log in this file's own database.
beforeEach(async () => {
  await dropAuditTriggers();
  await db().$executeRawUnsafe(`DELETE FROM "AuditEvent"`);
  await db().$executeRawUnsafe(`DELETE FROM "AuditCheckpoint"`);
  await db().$executeRawUnsafe(`DELETE FROM "AuditAnchor"`);
  await resetSeqCounter();
  // Put the triggers back as the migration defines them.
  for (const trigger of migrationTriggers()) await db().$executeRawUnsafe(trigger);
});

describe("audit anchor", () => {
  it("anchors the head on every append; an untouched log verifies", async () => {
    await append(5);
    expect(await verifyAuditLog(db())).toMatchObject({ ok: true, count: 5, lastSeq: 5, anchored: 5 });
  });

  it("refuses UPDATE and DELETE of audit rows in the database itself", async () => {
    await append(2);
    // Prisma reports SQLite's RAISE(ABORT) as a constraint violation; PostgreSQL's RAISE EXCEPTION keeps its message.
    const refused = pg() ? /append-only|only moves forward|never removed/ : /constraint/;
    await expect(db().auditEvent.update({ where: { seq: 1 }, data: { actor: "x" } })).rejects.toThrow(refused);
    await expect(db().auditEvent.delete({ where: { seq: 2 } })).rejects.toThrow(refused);
    await expect(db().$executeRawUnsafe(`DELETE FROM "AuditEvent"`)).rejects.toThrow(/append-only/);
    await expect(db().auditAnchor.update({ where: { id: 1 }, data: { seq: 1 } })).rejects.toThrow(refused);
    await expect(db().auditAnchor.delete({ where: { id: 1 } })).rejects.toThrow(refused);
    expect(await db().auditEvent.count()).toBe(2);
    expect(await verifyAuditLog(db())).toMatchObject({ ok: true, anchored: 2 });
  });

  it("detects entries removed from the end", async () => {
    await append(5);
    await dropAuditTriggers();
    await db().$executeRawUnsafe(`DELETE FROM "AuditEvent" WHERE seq > 3`);
    expect(await verifyAuditLog(db())).toMatchObject({ ok: false, seq: 4, problem: expect.stringContaining("removed from the end") });
  });

  it("detects a full rewrite with every hash recomputed", async () => {
    await append(4);
    await dropAuditTriggers();
    await rewriteAll((i) => JSON.stringify({ i: i + 100 }));
    expect(await verifyAuditLog(db())).toMatchObject({ ok: false, problem: expect.stringContaining("rewritten") });
  });

  it("detects a rewrite whose anchor was moved along without the key", async () => {
    await append(4);
    await dropAuditTriggers();
    const head = await rewriteAll((i) => JSON.stringify({ i: -i }));
    await db().auditAnchor.update({ where: { id: 1 }, data: { hash: head } });
    expect(await verifyAuditLog(db())).toMatchObject({ ok: false, problem: expect.stringContaining("MAC does not verify") });
  });

  it("detects a gap in the sequence even when the links were repaired", async () => {
    await append(4);
    await dropAuditTriggers();
    // Entry 2 removed, entries 3 and 4 re-linked and re-hashed: the chain links hold, the seqs do not.
    const rows = await db().auditEvent.findMany({ orderBy: { seq: "asc" } });
    await db().$executeRawUnsafe(`DELETE FROM "AuditEvent" WHERE seq >= 2`);
    let prev = rows[0].hash;
    for (const r of rows.slice(2)) {
      const hash = chainHash(prev, r);
      await db().auditEvent.create({ data: { ...r, prevHash: prev, hash } });
      prev = hash;
    }
    expect(await verifyAuditLog(db())).toMatchObject({ ok: false, seq: 3, problem: expect.stringContaining("jumps from #1 to #3") });
  });

  it("does not launder a truncation: a later append leaves the anchor where it was", async () => {
    await append(5);
    await dropAuditTriggers();
    await db().$executeRawUnsafe(`DELETE FROM "AuditEvent" WHERE seq > 3`);
    await resetSeqCounter(); // even the seq counter reset
    await append(2);
    expect(await verifyAuditLog(db())).toMatchObject({ ok: false });
  });

  it("writes MACed checkpoints that catch a truncation even with the anchor removed", async () => {
    await db().$transaction((tx) => appendAuditMany(tx, Array.from({ length: CHECKPOINT_EVERY + 10 }, (_, i) => ({ actor: SYSTEM, input: input(i) }))));
    expect(await db().auditCheckpoint.count()).toBe(1);
    expect(await verifyAuditLog(db())).toMatchObject({ ok: true, checkpoints: 1, anchored: CHECKPOINT_EVERY + 10 });
    await dropAuditTriggers();
    await db().$executeRawUnsafe(`DELETE FROM "AuditAnchor"`);
    await db().$executeRawUnsafe(`DELETE FROM "AuditEvent" WHERE seq > 500`);
    expect(await verifyAuditLog(db())).toMatchObject({ ok: false, seq: 501, problem: expect.stringContaining(`checkpoint #${CHECKPOINT_EVERY} exists`) });
  });

  it("names the checkpoint a rewrite broke", async () => {
    await db().$transaction((tx) => appendAuditMany(tx, Array.from({ length: CHECKPOINT_EVERY + 1 }, (_, i) => ({ actor: SYSTEM, input: input(i) }))));
    await dropAuditTriggers();
    await rewriteAll((i) => JSON.stringify({ i: i === 10 ? "forged" : i }));
    expect(await verifyAuditLog(db())).toMatchObject({ ok: false, seq: CHECKPOINT_EVERY, problem: expect.stringContaining("checkpoint") });
  });

  it("reports an unanchored log (anchor removed) and verifies a concurrent append as intact", async () => {
    await append(3);
    const [v] = await Promise.all([verifyAuditLog(db(), 1), append(3)]);
    expect(v).toMatchObject({ ok: true });
    await dropAuditTriggers();
    await db().$executeRawUnsafe(`DELETE FROM "AuditAnchor"`);
    expect(await verifyAuditLog(db())).toMatchObject({ ok: false, problem: expect.stringContaining("not anchored") });
  });

  it("adopts a log written before anchoring, once; a second removal of the anchor is refused", async () => {
    await append(3);
    await dropAuditTriggers();
    await db().$executeRawUnsafe(`DELETE FROM "AuditAnchor"`); // as after the upgrade: entries, no anchor
    expect(await verifyAuditLog(db())).toMatchObject({ ok: false, problem: expect.stringContaining("rootline audit anchor") });
    expect(await db().$transaction((tx) => adoptAuditLog(tx, SYSTEM))).toMatchObject({ ok: true, count: 4, anchored: 4 });
    await expect(db().$transaction((tx) => adoptAuditLog(tx, SYSTEM))).rejects.toThrow(/already anchored/);
    await db().$executeRawUnsafe(`DELETE FROM "AuditAnchor"`);
    await expect(db().$transaction((tx) => adoptAuditLog(tx, SYSTEM))).rejects.toThrow(/anchored before/);
  });
});
