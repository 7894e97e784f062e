import type { Tx } from "../db";
import { actorLabel, type Actor } from "./actor";
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
export async function appendAudit(tx: Tx, actor: Actor, input: AuditInput): Promise<void> {
  await appendAuditMany(tx, [{ actor, input }]);
}

/** Several entries, chained in order, in one insert (group-committed issuance writes hundreds). */
export async function appendAuditMany(tx: Tx, entries: { actor: Actor; input: AuditInput }[]): Promise<void> {
  if (entries.length === 0) return;
  const last = await tx.auditEvent.findFirst({ orderBy: { seq: "desc" }, select: { hash: true } });
  let prevHash = last?.hash ?? GENESIS;
  const at = new Date();
  const rows = entries.map(({ actor, input }) => {
    const record = { at, actor: actorLabel(actor), action: input.action, targetType: input.targetType, targetId: input.targetId, before: json(input.before), after: json(input.after) };
    const row = { ...record, prevHash, hash: chainHash(prevHash, record) };
    prevHash = row.hash;
    return row;
  });
  if (rows.length === 1) await tx.auditEvent.create({ data: rows[0] });
  else await tx.auditEvent.createMany({ data: rows });
}

/** Verifies the whole chain in pages, so memory stays flat on a long log. */
export async function verifyAuditLog(tx: Tx, pageSize = 5000): Promise<ChainVerdict> {
  let after = 0;
  let head = GENESIS;
  let count = 0;
  for (;;) {
    const page = (await tx.auditEvent.findMany({ where: { seq: { gt: after } }, orderBy: { seq: "asc" }, take: pageSize })) as StoredAuditRecord[];
    if (page.length === 0) return { ok: true, count, head };
    const verdict = verifyChain(page, head);
    if (!verdict.ok) return { ...verdict, count: count + verdict.count };
    head = verdict.head;
    count += verdict.count;
    after = page[page.length - 1].seq;
  }
}
