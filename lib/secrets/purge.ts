import { appendAuditMany } from "../audit";
import { SYSTEM } from "../auth/actor";
import { db, type Tx } from "../db";

const DAY_MS = 86_400_000;
const BATCH = 500;

/** ROOTLINE_HOLDER_KEY_RETENTION_DAYS (default 30): how long a server-generated holder key is kept for download. */
export function holderKeyRetentionDays(env = process.env): number {
  const v = Number(env.ROOTLINE_HOLDER_KEY_RETENTION_DAYS ?? "30");
  return Number.isFinite(v) && v >= 0 ? v : 30;
}

/**
 * When Rootline deleted a certificate's server-generated key, or null if it never did: a
 * certificate without a key was either issued from a CSR or had its key purged, and only
 * the purge's audit event tells them apart.
 */
export async function keyPurgedAt(tx: Tx, certificateId: string): Promise<Date | null> {
  const purge = await tx.auditEvent.findFirst({ where: { targetType: "certificate", targetId: certificateId, action: "certificate.key-purge" }, select: { at: true } });
  return purge?.at ?? null;
}

type Reason = "superseded" | "revoked" | "renewed" | "retention";

/**
 * Deletes server-generated private keys of certificate holders (Certificate.sealedKey)
 * that Rootline no longer needs to hand out: once the certificate is superseded,
 * revoked or renewed, or once it is older than the retention. The TLS repository's own
 * key (profile "repository") is Rootline's, not a holder's: kept until its replacement is
 * issued (a revoked repository certificate is renewed with a new key, and the renewal
 * must still know the key was Rootline's). One audit event per certificate. Run by the hourly job and `rootline sweep`.
 */
export async function purgeHolderKeys(opts: { now?: Date; retentionDays?: number } = {}): Promise<{ purged: number }> {
  const cutoff = new Date((opts.now ?? new Date()).getTime() - (opts.retentionDays ?? holderKeyRetentionDays()) * DAY_MS);
  const reasons = new Map<string, Reason>();
  const aged = await db().certificate.findMany({
    // A valid OCSP responder key (lib/ocsp/signer.ts) is Rootline's too, in use until it is replaced.
    where: { sealedKey: { not: null }, profile: { not: "repository" }, NOT: { profile: "ocsp", status: "valid" }, OR: [{ status: { not: "valid" } }, { createdAt: { lt: cutoff } }] },
    select: { id: true, status: true },
  });
  for (const c of aged) reasons.set(c.id, c.status === "revoked" ? "revoked" : c.status === "superseded" ? "superseded" : "retention");
  // IN (subquery) rather than EXISTS: SQLite builds one temporary index instead of a scan per row.
  const renewed = await db().$queryRaw<{ id: string }[]>`
    SELECT id FROM "Certificate" WHERE "sealedKey" IS NOT NULL AND id IN (SELECT "replacesId" FROM "Certificate" WHERE "replacesId" IS NOT NULL)`;
  for (const { id } of renewed) if (!reasons.has(id)) reasons.set(id, "renewed");
  const all = [...reasons];
  let purged = 0;
  for (let i = 0; i < all.length; i += BATCH) {
    const batch = all.slice(i, i + BATCH);
    purged += await db().$transaction(async (tx) => {
      // Re-checked inside the write lock: another process may have purged some already.
      const still = await tx.certificate.findMany({ where: { id: { in: batch.map(([id]) => id) }, sealedKey: { not: null } }, select: { id: true } });
      if (still.length === 0) return 0;
      await tx.certificate.updateMany({ where: { id: { in: still.map((c) => c.id) } }, data: { sealedKey: null } });
      await appendAuditMany(tx, still.map(({ id }) => ({ actor: { ...SYSTEM, name: "key-purge" }, input: { action: "certificate.key-purge" as const, targetType: "certificate", targetId: id, after: { reason: reasons.get(id) } } })));
      return still.length;
    });
  }
  return { purged };
}
