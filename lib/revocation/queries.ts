import { db } from "../db";
import { loadIssuer } from "./prefix";

/** What the revocation screens show about one certificate in a renewal list. */
export interface RenewalCertificate {
  id: string;
  serial: bigint;
  subject: string;
  commonName: string;
  sans: string;
  notAfter: Date;
  status: string;
  /** The certificate issued to replace it, once renewed. */
  replacement: { id: string; serial: bigint } | null;
}

/**
 * The certificates behind a list of serials of one issuer, keyed by serial, with their
 * replacements: revocationStatus() reports serials only, and the UI links each to its
 * certificate. Read-only; unknown serials are simply absent from the map.
 */
export async function certificatesBySerial(issuerName: string, serials: readonly bigint[]): Promise<Map<bigint, RenewalCertificate>> {
  const out = new Map<bigint, RenewalCertificate>();
  if (serials.length === 0) return out;
  const issuer = await loadIssuer(db(), issuerName);
  const rows = await db().certificate.findMany({
    where: { issuerId: issuer.id, serial: { in: [...new Set(serials)] } },
    select: { id: true, serial: true, subject: true, commonName: true, sans: true, notAfter: true, status: true },
  });
  // The newest replacement wins: a certificate renewed twice (two revocations) shows the latest.
  const replacements = await db().certificate.findMany({
    where: { issuerId: issuer.id, replacesId: { in: rows.map((r) => r.id) } },
    orderBy: { serial: "asc" },
    select: { id: true, serial: true, replacesId: true },
  });
  const byOld = new Map(replacements.map((r) => [r.replacesId, { id: r.id, serial: r.serial }]));
  for (const r of rows) out.set(r.serial, { ...r, replacement: byOld.get(r.id) ?? null });
  return out;
}

/** Who opened each pending revocation (status() leaves it out), keyed by the revoked serial. */
export async function pendingRevocationAuthors(issuerName: string): Promise<Map<bigint, string>> {
  const issuer = await loadIssuer(db(), issuerName);
  const rows = await db().revocation.findMany({ where: { issuerId: issuer.id, status: "pending" }, select: { serial: true, createdBy: true } });
  return new Map(rows.map((r) => [r.serial, r.createdBy]));
}

/** Pending revocations per issuer name, in one query, for the issuer tabs. */
export async function pendingRevocationCounts(): Promise<Map<string, number>> {
  const groups = await db().revocation.groupBy({ by: ["issuerId"], where: { status: "pending" }, _count: { _all: true } });
  const names = await db().issuer.findMany({ where: { id: { in: groups.map((g) => g.issuerId) } }, select: { id: true, name: true } });
  const nameOf = new Map(names.map((n) => [n.id, n.name]));
  return new Map(groups.map((g) => [nameOf.get(g.issuerId) ?? g.issuerId, g._count._all]));
}
