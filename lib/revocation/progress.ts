import { db } from "../db";
import { awaitingWhere } from "./affected";
import { loadIssuer } from "./prefix";
import type { revocationStatus } from "./status";

/**
 * How far each pending revocation of an issuer is, as counts (JSON-safe: the dashboard
 * polls it every few seconds, so it stays a few hundred bytes whatever the revocation's
 * size). `version` changes whenever anything the dashboard shows about them changes:
 * a renewal, an exclusion, a completion, a new revocation, an RN move.
 */
export interface RevocationProgress {
  issuer: string;
  revocationNumber: string;
  pending: { serial: string; renewed: number; excluded: number; awaiting: number }[];
  version: string;
  /** When it was read (ms since the epoch): of two snapshots, the later one is shown. */
  at: number;
}

type Counts = { serial: bigint; renewed: number; excluded: number; awaiting: number };

function progress(issuer: string, rn: bigint, counts: Counts[], now: Date): RevocationProgress {
  const pending = counts.map((p) => ({ serial: p.serial.toString(), renewed: p.renewed, excluded: p.excluded, awaiting: p.awaiting }));
  const version = [rn.toString(), ...pending.map((p) => `${p.serial}:${p.renewed}/${p.excluded}/${p.awaiting}`)].join(" ");
  return { issuer, revocationNumber: rn.toString(), pending, version, at: now.getTime() };
}

/** From the status the dashboard already read for its first paint (no second read). */
export function progressOf(s: Awaited<ReturnType<typeof revocationStatus>>, now = new Date()): RevocationProgress {
  return progress(s.issuer, s.revocationNumber, s.pending.map((p) => ({ serial: p.serial, renewed: p.renewed.length, excluded: p.excluded.length, awaiting: p.awaiting.length })), now);
}

/**
 * The same numbers as progressOf(revocationStatus(…)), counted in SQLite rather than read
 * row by row: revocationStatus takes ~200 ms for a 10k-holder revocation, too much to
 * repeat every few seconds for every open dashboard.
 */
export async function revocationProgress(issuerName: string, now = new Date()): Promise<RevocationProgress> {
  const tx = db();
  const issuer = await loadIssuer(tx, issuerName);
  const pending = await tx.revocation.findMany({ where: { issuerId: issuer.id, status: "pending" }, orderBy: { serial: "asc" }, select: { id: true, serial: true } });
  const settled = pending.length
    ? await tx.renewalRequest.groupBy({ by: ["revocationId", "status"], where: { revocationId: { in: pending.map((r) => r.id) }, status: { in: ["renewed", "excluded"] } }, _count: { _all: true } })
    : [];
  const settledCount = (id: string, status: string) => settled.find((g) => g.revocationId === id && g.status === status)?._count._all ?? 0;
  const counts: Counts[] = [];
  for (const r of pending) {
    const awaiting = await tx.renewalRequest.count({ where: awaitingWhere(issuer.id, r.serial) });
    counts.push({ serial: r.serial, renewed: settledCount(r.id, "renewed"), excluded: settledCount(r.id, "excluded"), awaiting });
  }
  return progress(issuer.name, issuer.revocationNumber, counts, now);
}
