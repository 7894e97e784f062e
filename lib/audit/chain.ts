import crypto from "node:crypto";

/** The hash every chain starts from. */
export const GENESIS = "0".repeat(64);

export interface AuditRecord {
  at: Date;
  actor: string;
  action: string;
  targetType: string;
  targetId: string;
  before: string | null;
  after: string | null;
}

/**
 * hash = sha256(prevHash "\n" JSON([at, actor, action, targetType, targetId, before, after])).
 * A JSON array fixes field order, so the encoding is canonical without a custom serializer.
 */
export function chainHash(prevHash: string, r: AuditRecord): string {
  const body = JSON.stringify([r.at.toISOString(), r.actor, r.action, r.targetType, r.targetId, r.before, r.after]);
  return crypto.createHash("sha256").update(prevHash).update("\n").update(body).digest("hex");
}

export interface StoredAuditRecord extends AuditRecord {
  seq: number;
  prevHash: string;
  hash: string;
}

export type ChainVerdict = { ok: true; count: number; head: string; lastSeq: number } | { ok: false; seq: number; problem: string; count: number };

/**
 * Walks records in seq order; the first record whose links, hash or place in the
 * sequence do not hold is named. Seqs run 1, 2, 3… without gaps (AUTOINCREMENT never
 * reuses one, and a rolled-back append takes its seq back with it).
 */
export function verifyChain(records: Iterable<StoredAuditRecord>, start = GENESIS, firstSeq = 1): ChainVerdict {
  let prev = start;
  let count = 0;
  let expected = firstSeq;
  for (const r of records) {
    if (r.seq !== expected) return { ok: false, seq: r.seq, problem: `the sequence jumps from #${expected - 1} to #${r.seq} (entries were removed or reordered)`, count };
    if (r.prevHash !== prev) return { ok: false, seq: r.seq, problem: "its previous-hash does not match the entry before it (an entry was removed or reordered)", count };
    if (chainHash(r.prevHash, r) !== r.hash) return { ok: false, seq: r.seq, problem: "its content does not match its hash (the entry was altered)", count };
    prev = r.hash;
    count++;
    expected++;
  }
  return { ok: true, count, head: prev, lastSeq: expected - 1 };
}
