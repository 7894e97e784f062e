import type { Tx } from "../db";
import { ConflictError } from "../errors";
import { actorLabel, type AuditActor } from "./actor";
import { CHECKPOINT_EVERY, checkMac, readAnchor, requireAnchorKey, signAnchor, writeAnchor, type Anchor, type MacCheck } from "./anchor";
import { chainHash, GENESIS, verifyChain, type ChainVerdict, type StoredAuditRecord } from "./chain";
import type { AuditAction } from "./events";

export interface AuditInput {
  action: AuditAction;
  targetType: string;
  targetId: string;
  before?: unknown;
  after?: unknown;
}

function json(v: unknown): string | null {
  if (v === undefined) return null;
  return JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x));
}

/**
 * Appends to the chain inside the caller's transaction, so the audit entry and the
 * change it describes commit together or not at all. `prevHash` is unique in the
 * schema: two writers that raced for the same head cannot both commit.
 */
export async function appendAudit(tx: Tx, actor: AuditActor, input: AuditInput): Promise<void> {
  await appendAuditMany(tx, [{ actor, input }]);
}

/**
 * Several entries, chained in order, in one insert (group-committed issuance writes
 * hundreds). The anchor (./anchor.ts) moves to the new head only if it matched the old
 * one: an append after a truncation or rewrite must not launder it.
 */
export async function appendAuditMany(tx: Tx, entries: { actor: AuditActor; input: AuditInput }[]): Promise<void> {
  if (entries.length === 0) return;
  const last = await tx.auditEvent.findFirst({ orderBy: { seq: "desc" }, select: { seq: true, hash: true } });
  const anchor = await readAnchor(tx);
  if (anchor) requireAnchorKey(anchor);
  const anchored = anchor ? anchor.seq === last?.seq && anchor.hash === last.hash && checkMac("head", anchor) === "ok" : !last;
  if (anchor && !anchored) console.error(`rootline: the audit anchor (#${anchor.seq}) does not match the log's head (#${last?.seq ?? 0}); not moving it — run \`rootline audit verify\``);
  let prevHash = last?.hash ?? GENESIS;
  // Seqs are given, not drawn from the database's counter: a PostgreSQL sequence keeps the
  // numbers a rolled-back transaction took, and the chain's seqs must have no gaps. The
  // caller's transaction holds the database's write lock (lib/database), so the head read
  // above is still the head.
  let seq = last?.seq ?? 0;
  const at = new Date();
  const rows = entries.map(({ actor, input }) => {
    const record = { at, actor: actorLabel(actor), action: input.action, targetType: input.targetType, targetId: input.targetId, before: json(input.before), after: json(input.after) };
    const row = { seq: ++seq, ...record, prevHash, hash: chainHash(prevHash, record) };
    prevHash = row.hash;
    return row;
  });
  const created = await tx.auditEvent.createManyAndReturn({ data: rows, select: { seq: true, hash: true } });
  if (!anchored) return;
  const head = created.reduce((a, b) => (b.seq > a.seq ? b : a));
  await writeAnchor(tx, signAnchor("head", head.seq, head.hash), !!anchor);
  const checkpoints = created.filter((r) => r.seq % CHECKPOINT_EVERY === 0).map((r) => ({ ...signAnchor("checkpoint", r.seq, r.hash), at }));
  if (checkpoints.length) await tx.auditCheckpoint.createMany({ data: checkpoints });
}

/**
 * Anchors a log written before anchoring existed (after the upgrade that added it):
 * verifies the chain, anchors its head, and records that in the log. Refused when the
 * log was anchored before (a checkpoint or an earlier `audit.anchor` entry exists): then
 * the anchor was removed, which is for an investigation, not a command.
 */
export async function adoptAuditLog(tx: Tx, actor: AuditActor): Promise<AuditVerdict> {
  if (await readAnchor(tx)) throw new ConflictError("audit", "the audit log is already anchored");
  if ((await tx.auditCheckpoint.count()) > 0 || (await tx.auditEvent.count({ where: { action: "audit.anchor" } })) > 0) {
    throw new ConflictError("audit", "this log was anchored before and its anchor was removed: restore from a backup and investigate");
  }
  const verdict = await verifyAuditLog(tx);
  if (verdict.ok || !verdict.problem.includes("not anchored")) {
    if (!verdict.ok) throw new ConflictError("audit", `the chain is broken at #${verdict.seq}: ${verdict.problem}`);
    return verdict; // empty log: the first append anchors it
  }
  const last = await tx.auditEvent.findFirstOrThrow({ orderBy: { seq: "desc" }, select: { seq: true, hash: true } });
  await writeAnchor(tx, signAnchor("head", last.seq, last.hash), false);
  await appendAudit(tx, actor, { action: "audit.anchor", targetType: "audit", targetId: String(last.seq), after: { seq: last.seq, hash: last.hash } });
  return verifyAuditLog(tx);
}

export type AuditVerdict = (ChainVerdict & { ok: true; anchored: number; checkpoints: number }) | (ChainVerdict & { ok: false });

/**
 * Verifies the whole log: the chain in pages (memory stays flat on a long log), the seq
 * sequence, every checkpoint, and the MACed anchor against the head — so removed tail
 * entries and a rewritten, re-hashed log are caught as well as altered entries.
 */
export async function verifyAuditLog(tx: Tx, pageSize = 5000): Promise<AuditVerdict> {
  const checkpoints = new Map((await tx.auditCheckpoint.findMany({ orderBy: { seq: "asc" } })).map((c) => [c.seq, c]));
  let anchor: Anchor | null = null;
  let after = 0;
  let head = GENESIS;
  let count = 0;
  for (;;) {
    const page = (await tx.auditEvent.findMany({ where: { seq: { gt: after } }, orderBy: { seq: "asc" }, take: pageSize })) as StoredAuditRecord[];
    if (page.length === 0) {
      // Read after the walk: an append moves the anchor with its entries, so a head the walk
      // has not reached yet is a concurrent append (read on), not a truncation.
      anchor = await readAnchor(tx);
      if (anchor && anchor.seq > after && (await tx.auditEvent.count({ where: { seq: { gt: after } } })) > 0) continue;
      break;
    }
    const verdict = verifyChain(page, head, after + 1);
    if (!verdict.ok) return { ...verdict, count: count + verdict.count };
    for (const r of page) {
      const cp = checkpoints.get(r.seq);
      if (!cp) continue;
      const mac = checkMac("checkpoint", cp);
      if (mac !== "ok") return { ok: false, seq: r.seq, count, problem: macProblem("checkpoint", mac, cp.keyId) };
      if (cp.hash !== r.hash) return { ok: false, seq: r.seq, count, problem: `it differs from its checkpoint: the log was rewritten up to here` };
    }
    head = verdict.head;
    count += verdict.count;
    after = verdict.lastSeq;
  }
  const beyond = [...checkpoints.keys()].find((seq) => seq > after);
  if (beyond !== undefined) return { ok: false, seq: after + 1, count, problem: `entries #${after + 1} to at least #${beyond} were removed from the end (checkpoint #${beyond} exists)` };
  if (!anchor) {
    if (count === 0) return { ok: true, count, head, lastSeq: 0, anchored: 0, checkpoints: 0 };
    return { ok: false, seq: after, count, problem: "the log's head is not anchored (the anchor was removed, or the log predates anchoring: `rootline audit anchor` adopts it)" };
  }
  const mac = checkMac("head", anchor);
  if (mac !== "ok") return { ok: false, seq: anchor.seq, count, problem: macProblem("anchor", mac, anchor.keyId) };
  if (anchor.seq > after) return { ok: false, seq: after + 1, count, problem: `entries #${after + 1} to #${anchor.seq} were removed from the end (the anchor is at #${anchor.seq})` };
  if (anchor.seq < after) return { ok: false, seq: anchor.seq + 1, count, problem: `entries from here on are not anchored (the anchor is at #${anchor.seq}): written without the master key, or after tampering` };
  if (anchor.hash !== head) return { ok: false, seq: after, count, problem: "the head does not match the anchor: the log was rewritten and re-hashed" };
  return { ok: true, count, head, lastSeq: after, anchored: anchor.seq, checkpoints: checkpoints.size };
}

function macProblem(what: string, mac: MacCheck, keyId: string): string {
  return mac === "key-not-loaded"
    ? `its ${what} was MACed with master key ${keyId}, which is not loaded`
    : `its ${what}'s MAC does not verify: the ${what} was forged or altered`;
}
