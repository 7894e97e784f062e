import { appendAudit } from "../audit";
import { SYSTEM } from "../auth/actor";
import { signerFor } from "../certificates/signers";
import { issuerByName, storeCrl } from "../store/state";
import { db } from "../db";
import { buildCrlAsync, type CrlEntry } from "../pki/crl";
import type { RevocationReason } from "../pki/reasons";

/** A CRL is valid for a week; it is rebuilt a day before, or at once after a revocation. */
const CRL_LIFETIME_MS = 7 * 86_400_000;
export const CRL_REFRESH_MS = 86_400_000;

type StoredCrl = { der: Uint8Array; crlNumber: bigint; thisUpdate: Date; nextUpdate: Date };
type CrlColumns = { crlDer: Uint8Array | null; crlStale: boolean; crlNumber: bigint; crlThisUpdate: Date | null; crlNextUpdate: Date | null };

/** The stored CRL when it is still good at `now`, else null (rebuild). */
function fresh(i: CrlColumns, now: Date): StoredCrl | null {
  if (!i.crlDer || i.crlStale || !i.crlNextUpdate || i.crlNextUpdate.getTime() - now.getTime() <= CRL_REFRESH_MS) return null;
  return { der: i.crlDer, crlNumber: i.crlNumber, thisUpdate: i.crlThisUpdate!, nextUpdate: i.crlNextUpdate };
}

const CRL_COLUMNS = { id: true, crlDer: true, crlStale: true, crlNumber: true, crlThisUpdate: true, crlNextUpdate: true } as const;

/**
 * The issuer's CRL (DER) for ordinary TLS clients that do not know revocation numbers:
 * every revoked certificate, and every certificate below the RN, until it expires.
 * Cached in the database; rebuilt (with the next CRL number) only when stale, so a
 * CRL download costs one indexed read.
 */
export async function currentCrl(issuerName: string, now = new Date()): Promise<StoredCrl> {
  const issuer = await issuerByName(db(), issuerName, CRL_COLUMNS);
  return fresh(issuer, now) ?? refreshCrl(issuer.id, now);
}

/**
 * Concurrent requests that find the CRL stale share one rebuild (per issuer, in this
 * process): anonymous GETs must not each take the write lock and burn a CRL number.
 */
const inFlight = new Map<string, Promise<StoredCrl>>();

function refreshCrl(issuerId: string, now: Date): Promise<StoredCrl> {
  let p = inFlight.get(issuerId);
  if (!p) {
    p = rebuildCrl(issuerId, now, false).finally(() => inFlight.delete(issuerId));
    inFlight.set(issuerId, p);
  }
  return p;
}

/**
 * Signs the next CRL. Unless `force`, staleness is checked again under the write lock:
 * another process (or a request that read before the last rebuild committed) may have
 * rebuilt it meanwhile, and then the stored one is returned and no number is used.
 */
export async function rebuildCrl(issuerId: string, now = new Date(), force = true): Promise<StoredCrl> {
  return db().$transaction(async (tx) => {
    const issuer = await tx.issuer.findUniqueOrThrow({ where: { id: issuerId } }); // without the CRL blob (lib/db.ts)
    if (!force && !issuer.crlStale) {
      // The blob is read only when it may be reused: a 100k-entry CRL is 3 MB.
      const stored = fresh({ ...issuer, crlDer: (await tx.issuer.findUniqueOrThrow({ where: { id: issuerId }, select: { crlDer: true } })).crlDer }, now);
      if (stored) return stored;
    }
    const rows = await tx.certificate.findMany({
      where: { issuerId, notAfter: { gte: now }, OR: [{ status: "revoked" }, { serial: { lt: issuer.revocationNumber } }] },
      orderBy: { serial: "asc" },
      select: { serial: true, revokedAt: true, revocationReason: true, createdAt: true },
    });
    const entries: CrlEntry[] = rows.map((r) => ({ serial: r.serial, revokedAt: r.revokedAt ?? now, reason: (r.revocationReason ?? "superseded") as RevocationReason }));
    const crlNumber = issuer.crlNumber + 1n;
    const thisUpdate = new Date(Math.floor(now.getTime() / 1000) * 1000);
    const nextUpdate = new Date(thisUpdate.getTime() + CRL_LIFETIME_MS);
    const der = await buildCrlAsync({ signer: signerFor(issuer), thisUpdate, nextUpdate, crlNumber, entries });
    await storeCrl(tx, issuerId, { der, crlNumber, thisUpdate, nextUpdate });
    await appendAudit(tx, { ...SYSTEM, name: "crl" }, { action: "crl.publish", targetType: "issuer", targetId: issuerId, before: { crlNumber: issuer.crlNumber }, after: { crlNumber, entries: entries.length, thisUpdate, nextUpdate } });
    return { der, crlNumber, thisUpdate, nextUpdate };
  });
}
