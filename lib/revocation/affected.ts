import type { Tx } from "../db";

/**
 * The certificates a prefix revocation of serial S touches (SPEC 2.1): every
 * certificate of the issuer with RN <= serial <= S that devices still accept and
 * that has not expired (an expired one needs no replacement).
 */
export async function affectedCertificates(tx: Tx, issuer: { id: string; revocationNumber: bigint }, serial: bigint, now: Date) {
  return tx.certificate.findMany({
    where: affectedWhere(issuer, serial, now),
    orderBy: { serial: "asc" },
    select: { id: true, serial: true, subject: true, commonName: true, sans: true, status: true, notAfter: true },
  });
}

/**
 * The same certificates, id and serial only: what a revocation's write transaction needs.
 * Prisma's cost is per value read (10k rows: ~40 ms for two columns, ~170 ms for seven).
 */
export async function affectedSerials(tx: Tx, issuer: { id: string; revocationNumber: bigint }, serial: bigint, now: Date) {
  return tx.certificate.findMany({ where: affectedWhere(issuer, serial, now), orderBy: { serial: "asc" }, select: { id: true, serial: true } });
}

function affectedWhere(issuer: { id: string; revocationNumber: bigint }, serial: bigint, now: Date) {
  return { issuerId: issuer.id, serial: { gte: issuer.revocationNumber, lte: serial }, status: { in: ["valid", "revoked"] }, notAfter: { gt: now } };
}

/** Whether a revocation of S still waits for anything (one row read, not the whole list). */
export async function isAwaitingRenewals(tx: Tx, issuerId: string, serial: bigint): Promise<boolean> {
  const one = await tx.renewalRequest.findFirst({ where: { status: "pending", serial: { lte: serial }, revocation: { issuerId, status: "pending" } }, select: { id: true } });
  return one !== null;
}

/** Renewal requests still open for serials <= S: what a revocation of S waits for. */
export async function awaitingRenewals(tx: Tx, issuerId: string, serial: bigint) {
  return tx.renewalRequest.findMany({
    where: { status: "pending", serial: { lte: serial }, revocation: { issuerId, status: "pending" } },
    orderBy: { serial: "asc" },
    select: { id: true, serial: true, certificateId: true, revocationId: true },
  });
}

export interface NewRenewalRequest {
  certificateId: string;
  serial: bigint;
  status: "pending" | "excluded";
  tokenHash: string | null;
}

/**
 * Inserts a revocation's renewal requests with ONE statement, whatever their number: the
 * rows travel as one JSON parameter and `json_each` expands them inside SQLite. A Prisma
 * create per row (~1 ms each with its round trip) held the write lock for seconds at 10k
 * certificates, and every other writer — other processes included — waited that long.
 * Ids look like Prisma's cuids ("c" + 24 characters); nothing parses them.
 */
export async function insertRenewalRequests(tx: Tx, revocationId: string, rows: readonly NewRenewalRequest[]): Promise<void> {
  if (rows.length === 0) return;
  const json = JSON.stringify(rows.map((r) => [r.certificateId, r.serial.toString(), r.status, r.tokenHash]));
  await tx.$executeRaw`
    INSERT INTO "RenewalRequest" ("id", "revocationId", "certificateId", "serial", "status", "tokenHash")
    SELECT 'c' || lower(hex(randomblob(12))), ${revocationId}, "value" ->> 0, CAST("value" ->> 1 AS INTEGER), "value" ->> 2, "value" ->> 3
    FROM json_each(${json})`;
}
