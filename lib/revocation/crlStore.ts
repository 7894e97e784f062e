import { signerFor } from "../certificates/signers";
import { db } from "../db";
import { buildCrl, type CrlEntry } from "../pki/crl";
import { NotFoundError } from "../pki/errors";
import type { RevocationReason } from "../pki/reasons";

/** A CRL is valid for a week; it is rebuilt a day before, or at once after a revocation. */
const CRL_LIFETIME_MS = 7 * 86_400_000;
export const CRL_REFRESH_MS = 86_400_000;

/**
 * The issuer's CRL (DER) for ordinary TLS clients that do not know revocation numbers:
 * every revoked certificate, and every certificate below the RN, until it expires.
 * Cached in the database; rebuilt (with the next CRL number) only when stale, so a
 * CRL download costs one indexed read.
 */
export async function currentCrl(issuerName: string, now = new Date()): Promise<{ der: Uint8Array; crlNumber: bigint; thisUpdate: Date; nextUpdate: Date }> {
  const issuer = await db().issuer.findUnique({ where: { name: issuerName }, select: { id: true, crlDer: true, crlStale: true, crlNumber: true, crlThisUpdate: true, crlNextUpdate: true } });
  if (!issuer) throw new NotFoundError("issuer", `no issuer named "${issuerName}"`);
  if (issuer.crlDer && !issuer.crlStale && issuer.crlNextUpdate && issuer.crlNextUpdate.getTime() - now.getTime() > CRL_REFRESH_MS) {
    return { der: issuer.crlDer, crlNumber: issuer.crlNumber, thisUpdate: issuer.crlThisUpdate!, nextUpdate: issuer.crlNextUpdate };
  }
  return rebuildCrl(issuer.id, now);
}

export async function rebuildCrl(issuerId: string, now = new Date()) {
  return db().$transaction(async (tx) => {
    const issuer = await tx.issuer.findUniqueOrThrow({ where: { id: issuerId } });
    const rows = await tx.certificate.findMany({
      where: { issuerId, notAfter: { gte: now }, OR: [{ status: "revoked" }, { serial: { lt: issuer.revocationNumber } }] },
      orderBy: { serial: "asc" },
      select: { serial: true, revokedAt: true, revocationReason: true, createdAt: true },
    });
    const entries: CrlEntry[] = rows.map((r) => ({ serial: r.serial, revokedAt: r.revokedAt ?? now, reason: (r.revocationReason ?? "superseded") as RevocationReason }));
    const crlNumber = issuer.crlNumber + 1n;
    const thisUpdate = new Date(Math.floor(now.getTime() / 1000) * 1000);
    const nextUpdate = new Date(thisUpdate.getTime() + CRL_LIFETIME_MS);
    const der = buildCrl({ signer: signerFor(issuer), thisUpdate, nextUpdate, crlNumber, entries });
    await tx.issuer.update({ where: { id: issuerId }, data: { crlDer: der as Uint8Array<ArrayBuffer>, crlNumber, crlThisUpdate: thisUpdate, crlNextUpdate: nextUpdate, crlStale: false } });
    return { der, crlNumber, thisUpdate, nextUpdate };
  });
}
