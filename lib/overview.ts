import { db } from "./db";

/** Counts for the staff overview page, in one round of cheap indexed queries. */
export async function overviewStats(now = new Date()) {
  const in30 = new Date(now.getTime() + 30 * 86_400_000);
  const [issuers, valid, revoked, expiringSoon, pendingRevocations, topologies] = await Promise.all([
    db().issuer.count(),
    db().certificate.count({ where: { status: "valid" } }),
    db().certificate.count({ where: { status: "revoked" } }),
    db().certificate.count({ where: { status: "valid", notAfter: { gte: now, lte: in30 } } }),
    db().revocation.count({ where: { status: "pending" } }),
    db().topology.count(),
  ]);
  return { issuers, valid, revoked, expiringSoon, pendingRevocations, topologies };
}

export async function recentAuditEvents(take = 8) {
  return db().auditEvent.findMany({ orderBy: { seq: "desc" }, take, select: { seq: true, at: true, actor: true, action: true, targetType: true, targetId: true } });
}
