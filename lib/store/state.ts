import type { Prisma } from "../../generated/prisma/client";
import { sqlDialect, type Tx } from "../db";
import { NotFoundError } from "../errors";
import type { RevocationReason } from "../pki/reasons";

/**
 * The one owner of issuer and certificate state, in the manner of Boulder's storage
 * authority: every status transition and every change to an issuer's counters (serial,
 * revocation number, CRL) is a function here, run inside the caller's transaction. The
 * workflows (issuance, prefix revocation, renewal, the sweep) decide *when*; this module
 * is *how*, so a status is written in one place with one vocabulary.
 */

export const CERTIFICATE_STATUSES = ["valid", "revoked", "superseded"] as const;
/** valid → revoked (on the CRL) or valid → superseded (replaced by a renewal); never back. */
export type CertificateStatus = (typeof CERTIFICATE_STATUSES)[number];

export const RENEWAL_STATUSES = ["pending", "renewed", "excluded", "closed"] as const;
/** pending → renewed | excluded (a stopped holder) | closed (its revocation completed without it). */
export type RenewalStatus = (typeof RENEWAL_STATUSES)[number];

/**
 * How a renewal was authenticated: stored on the RenewalRequest and in its audit event.
 * acme: an ACME order that replaced the certificate (lib/acme/finalize.ts); est: an EST
 * simplereenroll over mutual TLS (lib/est/enroll.ts). Both go through renewThroughProtocol.
 */
export const RENEWAL_METHODS = ["token", "proof-of-possession", "operator", "generated-key", "acme", "est"] as const;
export type RenewalMethod = (typeof RENEWAL_METHODS)[number];

/** An issuer by its name, or a 404 naming it: the one lookup every workflow starts from. */
export async function issuerByName<S extends Prisma.IssuerSelect>(tx: Tx, name: string, select: S, field = "issuer"): Promise<Prisma.IssuerGetPayload<{ select: S }>> {
  const issuer = await tx.issuer.findUnique({ where: { name }, select });
  if (!issuer) throw new NotFoundError(field, `no issuer named "${name}"`);
  return issuer as Prisma.IssuerGetPayload<{ select: S }>;
}

/** Serials up to `next - 1` are taken (issuance, under the write lock). */
export async function advanceSerial(tx: Tx, issuerId: string, next: bigint): Promise<void> {
  await tx.issuer.update({ where: { id: issuerId }, data: { nextSerial: next } });
}

/** The certificate goes on the CRL now (the CRL is rebuilt on its next read). */
export async function markRevoked(tx: Tx, certificate: { id: string; issuerId: string }, reason: RevocationReason, now: Date): Promise<void> {
  const status: CertificateStatus = "revoked";
  await tx.certificate.update({ where: { id: certificate.id }, data: { status, revokedAt: now, revocationReason: reason } });
  await tx.issuer.update({ where: { id: certificate.issuerId }, data: { crlStale: true } });
}

/** A still-valid certificate whose replacement was issued. */
export async function markSuperseded(tx: Tx, certificateId: string): Promise<void> {
  const status: CertificateStatus = "superseded";
  await tx.certificate.updateMany({ where: { id: certificateId, status: "valid" satisfies CertificateStatus }, data: { status } });
}

/** Many still-valid certificates replaced at once (a finished rotation run): one statement. */
export async function markSupersededMany(tx: Tx, certificateIds: readonly string[]): Promise<number> {
  if (certificateIds.length === 0) return 0;
  const status: CertificateStatus = "superseded";
  return (await tx.certificate.updateMany({ where: { id: { in: [...certificateIds] }, status: "valid" satisfies CertificateStatus }, data: { status } })).count;
}

/**
 * RN := `to`, and every still-valid certificate below it is revoked (reason superseded) so
 * the database agrees with devices. One set-based UPDATE whatever the count: one statement
 * per certificate would hold the write lock per row. Returns how many it revoked.
 */
export async function setRevocationNumber(tx: Tx, issuerId: string, to: bigint, now: Date): Promise<number> {
  await tx.issuer.update({ where: { id: issuerId }, data: { revocationNumber: to, crlStale: true } });
  const reason: RevocationReason = "superseded";
  const revoked = await tx.certificate.updateMany({
    where: { issuerId, serial: { lt: to }, status: "valid" satisfies CertificateStatus },
    data: { status: "revoked" satisfies CertificateStatus, revokedAt: now, revocationReason: reason },
  });
  return revoked.count;
}

/** A freshly signed CRL becomes the published one. */
export async function storeCrl(tx: Tx, issuerId: string, crl: { der: Uint8Array; crlNumber: bigint; thisUpdate: Date; nextUpdate: Date }): Promise<void> {
  await tx.issuer.update({
    where: { id: issuerId },
    data: { crlDer: Buffer.from(crl.der) as Uint8Array<ArrayBuffer>, crlNumber: crl.crlNumber, crlThisUpdate: crl.thisUpdate, crlNextUpdate: crl.nextUpdate, crlStale: false },
  });
}

/** `by`: the audit actor label of who renewed (the holder's device label, or the operator). */
export async function markRenewed(tx: Tx, requestId: string, replacementId: string, via: RenewalMethod, by: string, now: Date): Promise<void> {
  const status: RenewalStatus = "renewed";
  await tx.renewalRequest.update({ where: { id: requestId }, data: { status, replacementId, renewedAt: now, renewedVia: via, settledBy: by, tokenHash: null } });
}

export interface NewRenewalRequest {
  certificateId: string;
  serial: bigint;
  status: Extract<RenewalStatus, "pending" | "excluded">;
  tokenHash: string | null;
}

/**
 * Inserts a revocation's renewal requests with ONE statement, whatever their number: the
 * rows travel as one JSON parameter and the database expands them (SQLite's `json_each`,
 * PostgreSQL's `jsonb_array_elements`). A Prisma
 * create per row (~1 ms each with its round trip) held the write lock for seconds at 10k
 * certificates, and every other writer — other processes included — waited that long.
 * Ids look like Prisma's cuids ("c" + 24 characters); nothing parses them.
 */
export async function insertRenewalRequests(tx: Tx, revocationId: string, rows: readonly NewRenewalRequest[]): Promise<void> {
  if (rows.length === 0) return;
  const json = JSON.stringify(rows.map((r) => [r.certificateId, r.serial.toString(), r.status, r.tokenHash]));
  const sql = sqlDialect(); // json_each on SQLite, jsonb_array_elements on PostgreSQL
  await tx.$executeRaw`
    INSERT INTO "RenewalRequest" ("id", "revocationId", "certificateId", "serial", "status", "tokenHash")
    SELECT ${sql.newId()}, ${revocationId}, "r"."value" ->> 0, CAST("r"."value" ->> 1 AS BIGINT), "r"."value" ->> 2, "r"."value" ->> 3
    FROM ${sql.jsonRows(json, "r")}`;
}

/** A stopped holder: no replacement is awaited, and its token stops working. */
export async function markExcluded(tx: Tx, requestId: string, by: string, now: Date): Promise<void> {
  const status: RenewalStatus = "excluded";
  await tx.renewalRequest.update({ where: { id: requestId }, data: { status, tokenHash: null, settledBy: by, excludedAt: now } });
}

export const REVOCATION_STATUSES = ["pending", "completed"] as const;
/** pending → completed (normally, forced, or at its deadline); never back. */
export type RevocationStatus = (typeof REVOCATION_STATUSES)[number];

/** A revocation (or a generation move) is done: nothing more is awaited for it. */
export async function markRevocationCompleted(tx: Tx, revocationId: string, forced: boolean, now: Date): Promise<void> {
  const status: RevocationStatus = "completed";
  await tx.revocation.update({ where: { id: revocationId }, data: { status, completedAt: now, forced } });
}

/** Requests still pending when their revocation completes close; their tokens stop working. */
export async function closePendingRenewals(tx: Tx, revocationId: string): Promise<number> {
  const status: RenewalStatus = "closed";
  return (await tx.renewalRequest.updateMany({ where: { revocationId, status: "pending" satisfies RenewalStatus }, data: { status, tokenHash: null } })).count;
}
