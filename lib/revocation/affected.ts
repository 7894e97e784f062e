import type { Tx } from "../db";

/**
 * The certificates a prefix revocation of serial S touches (SPEC 2.1): every
 * certificate of the issuer with RN <= serial <= S that devices still accept and
 * that has not expired (an expired one needs no replacement).
 */
export async function affectedCertificates(tx: Tx, issuer: { id: string; revocationNumber: bigint }, serial: bigint, now: Date) {
  return tx.certificate.findMany({
    where: { issuerId: issuer.id, serial: { gte: issuer.revocationNumber, lte: serial }, status: { in: ["valid", "revoked"] }, notAfter: { gt: now } },
    orderBy: { serial: "asc" },
    select: { id: true, serial: true, subject: true, commonName: true, sans: true, status: true, notAfter: true },
  });
}

/** Renewal requests still open for serials <= S: what a revocation of S waits for. */
export async function awaitingRenewals(tx: Tx, issuerId: string, serial: bigint) {
  return tx.renewalRequest.findMany({
    where: { status: "pending", serial: { lte: serial }, revocation: { issuerId, status: "pending" } },
    orderBy: { serial: "asc" },
    select: { id: true, serial: true, certificateId: true, revocationId: true },
  });
}
