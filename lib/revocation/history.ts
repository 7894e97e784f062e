import { db } from "../db";
import { NotFoundError } from "../errors";
import { issuerByName, type RenewalStatus } from "../store/state";

/**
 * Revocation history (issue 12): completed revocations stay readable — who renewed and
 * how, who was excluded or cut off, and when. Read-only; the rows the workflows write
 * (Revocation, RenewalRequest, the completion's audit event) are the record.
 */

export const HISTORY_PAGE_SIZE = 20;

export interface HistoryEntry {
  id: string;
  serial: bigint;
  reason: string;
  order: string;
  /** Generation moves: the generation the holders moved to. */
  successor: { name: string; generation: number } | null;
  createdBy: string;
  createdAt: Date;
  completedAt: Date | null;
  forced: boolean;
  counts: Record<RenewalStatus, number>;
}

const successorSelect = { select: { name: true, generation: true } } as const;

/** The issuer's completed revocations, newest first, one page at a time. */
export async function completedRevocations(issuerName: string, page = 1, pageSize = HISTORY_PAGE_SIZE): Promise<{ rows: HistoryEntry[]; total: number; page: number; pages: number }> {
  const issuer = await issuerByName(db(), issuerName, { id: true });
  const where = { issuerId: issuer.id, status: "completed" };
  const total = await db().revocation.count({ where });
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const p = Math.min(Math.max(1, Math.trunc(page) || 1), pages);
  const rows = await db().revocation.findMany({
    where,
    orderBy: [{ completedAt: "desc" }, { id: "desc" }],
    skip: (p - 1) * pageSize,
    take: pageSize,
    select: { id: true, serial: true, reason: true, order: true, createdBy: true, createdAt: true, completedAt: true, forced: true, successor: successorSelect },
  });
  const counts = await db().renewalRequest.groupBy({ by: ["revocationId", "status"], where: { revocationId: { in: rows.map((r) => r.id) } }, _count: { _all: true } });
  const countOf = (id: string, s: RenewalStatus) => counts.find((c) => c.revocationId === id && c.status === s)?._count._all ?? 0;
  return {
    rows: rows.map((r) => ({ ...r, counts: { pending: countOf(r.id, "pending"), renewed: countOf(r.id, "renewed"), excluded: countOf(r.id, "excluded"), closed: countOf(r.id, "closed") } })),
    total,
    page: p,
    pages,
  };
}

/** One holder's fate in a revocation: what happened, how, by whom, and when. */
export interface HolderFate {
  serial: bigint;
  certificateId: string;
  subject: string;
  /** renewed | excluded | closed (cut off: still not renewed when it completed) | pending. */
  fate: RenewalStatus;
  method: string | null;
  /** Actor label; for a holder excluded as the revocation opened, its opener. */
  by: string | null;
  at: Date | null;
  /** Excluded in the revocation form, before anyone was asked to renew. */
  excludedAtOpening: boolean;
  replacement: { id: string; serial: bigint; issuer: string } | null;
}

export interface RevocationDetail extends Omit<HistoryEntry, "counts"> {
  issuer: string;
  status: string;
  deadline: Date | null;
  /** Who completed it (from the completion's audit event): an operator, the sweep, the last renewal. */
  completedBy: string | null;
  holders: HolderFate[];
}

const COMPLETE_ACTIONS = ["revocation.complete", "lineage.move-complete"];

/** A revocation (pending or completed) with every holder's fate. */
export async function revocationDetail(id: string): Promise<RevocationDetail> {
  const r = await db().revocation.findUnique({
    where: { id },
    include: { issuer: { select: { name: true } }, successor: successorSelect, renewals: { orderBy: { serial: "asc" } } },
  });
  if (!r) throw new NotFoundError("id", "no such revocation");
  const ids = [...new Set(r.renewals.flatMap((q) => (q.replacementId ? [q.certificateId, q.replacementId] : [q.certificateId])))];
  const certs = new Map(
    (await db().certificate.findMany({ where: { id: { in: ids } }, select: { id: true, serial: true, subject: true, issuer: { select: { name: true } } } })).map((c) => [c.id, c]),
  );
  const done = r.completedAt ? await db().auditEvent.findFirst({ where: { targetType: "revocation", targetId: r.id, action: { in: COMPLETE_ACTIONS } }, orderBy: { seq: "desc" }, select: { actor: true } }) : null;
  const holders: HolderFate[] = r.renewals.map((q) => {
    const fate = q.status as RenewalStatus;
    const atOpening = fate === "excluded" && q.excludedAt === null;
    const rep = q.replacementId ? certs.get(q.replacementId) : undefined;
    return {
      serial: q.serial,
      certificateId: q.certificateId,
      subject: certs.get(q.certificateId)?.subject ?? "",
      fate,
      method: fate === "renewed" ? q.renewedVia : null,
      by: fate === "renewed" ? q.settledBy : fate === "excluded" ? (q.settledBy ?? (atOpening ? r.createdBy : null)) : fate === "closed" ? (done?.actor ?? null) : null,
      at: fate === "renewed" ? q.renewedAt : fate === "excluded" ? (q.excludedAt ?? r.createdAt) : fate === "closed" ? r.completedAt : null,
      excludedAtOpening: atOpening,
      replacement: rep ? { id: rep.id, serial: rep.serial, issuer: rep.issuer.name } : null,
    };
  });
  return {
    id: r.id,
    issuer: r.issuer.name,
    serial: r.serial,
    reason: r.reason,
    order: r.order,
    successor: r.successor,
    status: r.status,
    deadline: r.deadline,
    createdBy: r.createdBy,
    createdAt: r.createdAt,
    completedAt: r.completedAt,
    forced: r.forced,
    completedBy: done?.actor ?? null,
    holders,
  };
}

/** A revocation still pending on the issuer, as a second one mentions it. */
export interface PendingMention {
  id: string;
  serial: bigint;
  reason: string;
  order: string;
  createdBy: string;
  createdAt: Date;
  /** Its own holders still asked to renew. */
  awaiting: number;
}

/** The issuer's pending revocations (oldest first), except `exceptId`: what a new one joins. */
export async function pendingMentions(issuerName: string, exceptId?: string): Promise<PendingMention[]> {
  const issuer = await issuerByName(db(), issuerName, { id: true });
  const rows = await db().revocation.findMany({
    where: { issuerId: issuer.id, status: "pending", ...(exceptId ? { id: { not: exceptId } } : {}) },
    orderBy: [{ createdAt: "asc" }, { serial: "asc" }],
    select: { id: true, serial: true, reason: true, order: true, createdBy: true, createdAt: true },
  });
  const counts = await db().renewalRequest.groupBy({ by: ["revocationId"], where: { revocationId: { in: rows.map((r) => r.id) }, status: "pending" satisfies RenewalStatus }, _count: { _all: true } });
  return rows.map((r) => ({ ...r, awaiting: counts.find((c) => c.revocationId === r.id)?._count._all ?? 0 }));
}
