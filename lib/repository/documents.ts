import crypto from "node:crypto";
import { issuerByName } from "../store/state";
import { databaseChangeToken, db } from "../db";
import { pemEncode } from "../pki/pem";
import { parseRevocationInfo, signRevocationInfoWith, verifyRevocationInfo, type RevocationInfoJson, type SignedRevocationInfo } from "../revocation-info/info";
import { toRevocationInfoJson } from "../revocation-info/infoJson";
import { signatureScheme } from "../pki/signature";
import type { KeyType } from "../pki/keys";
import { SIGNER_COLUMNS, signerFor } from "../certificates/signers";
import { CRL_REFRESH_MS, currentCrl } from "../revocation/crlStore";

/**
 * The documents the device repository serves (SPEC 2.2). Every one is public and
 * either signed (revocation information, CRL) or self-authenticating (CA certificate),
 * so any mirror or CDN may serve them; ETags let such caches revalidate cheaply.
 */
export interface RepositoryDocument {
  body: Uint8Array;
  contentType: string;
  etag: string;
  cacheControl: string;
  /** The name a browser saves it under ("fleet-ca.crl", not "crl"). */
  filename?: string;
}

/**
 * Documents are cached per process and re-validated on every request with the
 * database's change token: unchanged database, same bytes, no query at all. Any
 * commit anywhere (an RN change in another process included) invalidates them.
 */
const docCache = new Map<string, { token: string; until: number; doc: RepositoryDocument }>();

/** `until`: a time after which the document must be rebuilt even if nothing changed (a CRL's refresh). */
async function cached(key: string, load: () => Promise<{ doc: RepositoryDocument; until?: number }>): Promise<RepositoryDocument> {
  const token = databaseChangeToken();
  const hit = docCache.get(key);
  if (token !== null && hit?.token === token && hit.until > Date.now()) return hit.doc;
  const { doc, until = Infinity } = await load();
  const after = databaseChangeToken();
  // Only cache what was read while nothing changed in between.
  if (token !== null && after === token) docCache.set(key, { token, until, doc });
  return doc;
}

const etagOf = (parts: string) => `"${crypto.createHash("sha256").update(parts).digest("base64url").slice(0, 22)}"`;

/** Signed revocation information per (issuer, RN): one signature per RN change, not per request. */
const infoCache = new Map<string, { key: string; der: Uint8Array; json: RevocationInfoJson; etag: string }>();

const infoRow = (id: string) =>
  db().issuer.findUniqueOrThrow({ where: { id }, select: { ...SIGNER_COLUMNS, revocationNumber: true, revocationInfoDer: true, revocationInfoRn: true } });
type InfoRow = Awaited<ReturnType<typeof infoRow>>;

async function signedInfo(issuerName: string) {
  // The one read on the hot path: id, RN and the CA certificate. Reading the RN each time keeps
  // publishing immediate even when another process (CLI, sweep) moved it; the certificate,
  // because a rotation run replaces the key under the same RN (the old signature would not verify).
  const row = await issuerByName(db(), issuerName, { id: true, revocationNumber: true, certificateDer: true });
  const keyOf = (r: { id: string; revocationNumber: bigint; certificateDer: Uint8Array }) => `${r.id}:${r.revocationNumber}:${crypto.createHash("sha256").update(r.certificateDer).digest("base64url")}`;
  const key = keyOf(row);
  const hit = infoCache.get(issuerName);
  if (hit?.key === key) return hit;
  const full = await infoRow(row.id);
  const stored = storedInfo(full);
  const { signed, final } = stored ? { signed: stored, final: true } : await signAndStore(full);
  const entry = { key: keyOf(full), der: signed.der, json: signed.json, etag: etagOf(`${key}:${Buffer.from(signed.der).toString("base64")}`) };
  // Kept only once it is the stored document: until then the next request looks again.
  if (final) infoCache.set(issuerName, entry);
  return entry;
}

/**
 * The stored document when it is for the current RN and verifies with the current CA
 * certificate (a rotation run replaces the key, leaving a document the new one cannot verify).
 */
function storedInfo(row: InfoRow): SignedRevocationInfo | null {
  if (!row.revocationInfoDer || row.revocationInfoRn !== row.revocationNumber) return null;
  const der = new Uint8Array(row.revocationInfoDer);
  const verified = verifyRevocationInfo(der, row.certificateDer, row.name);
  if (!verified.ok || verified.revocationNumber !== row.revocationNumber) return null;
  const parsed = parseRevocationInfo(der);
  if (!parsed.ok) return null;
  return { der, json: toRevocationInfoJson(parsed.value, signatureScheme(row.keyType as KeyType).name) };
}

/** How long a device's GET waits for the store below before it is answered with the fresh signature. */
const STORE_WAIT_MS = 200;

/**
 * Signs and stores, so every process (app instances, the CLI's static export) serves the
 * same bytes: ECDSA signatures are randomised. The write replaces only what was read, so
 * when another process stored first its document wins and both serve it. Devices never wait
 * for staff: when the write lock is held elsewhere the GET gets the fresh signature at once
 * (`final: false`) and the write lands in the background. A busy or read-only database only
 * costs byte-identity for that moment, never the answer.
 */
async function signAndStore(row: InfoRow): Promise<{ signed: SignedRevocationInfo; final: boolean }> {
  // The issuer's one signer (lib/certificates/signers.ts): its key may be in a PKCS#11 token.
  const signed = await signRevocationInfoWith(signerFor(row), { issuerName: row.name, revocationNumber: row.revocationNumber });
  const store = db()
    .issuer.updateMany({
      where: { id: row.id, revocationNumber: row.revocationNumber, revocationInfoDer: row.revocationInfoDer ? { equals: new Uint8Array(row.revocationInfoDer) } : null },
      data: { revocationInfoDer: Buffer.from(signed.der), revocationInfoRn: row.revocationNumber },
    })
    .then(() => infoRow(row.id))
    .then((now) => (now.revocationNumber === row.revocationNumber ? storedInfo(now) : null))
    .catch(() => null);
  const timeout = new Promise<"late">((resolve) => setTimeout(() => resolve("late"), STORE_WAIT_MS).unref());
  const got = await Promise.race([store, timeout]);
  return got && got !== "late" ? { signed: got, final: true } : { signed, final: false };
}

// Revalidate every time (`no-cache`): a CDN may store it, but must ask with If-None-Match,
// so a new RN reaches devices at once. The body is signed, so any cache may hold it.
const REVALIDATE = "public, no-cache";

export function revocationInfoJson(issuerName: string): Promise<RepositoryDocument> {
  return cached(`json:${issuerName}`, async () => {
    const s = await signedInfo(issuerName);
    return { doc: { body: Buffer.from(JSON.stringify(s.json)), contentType: "application/json", etag: s.etag.replace(/"$/, '-j"'), cacheControl: REVALIDATE } };
  });
}

export function revocationInfoDer(issuerName: string): Promise<RepositoryDocument> {
  return cached(`der:${issuerName}`, async () => {
    const s = await signedInfo(issuerName);
    return { doc: { body: s.der, contentType: "application/octet-stream", etag: s.etag, cacheControl: REVALIDATE } };
  });
}

/** Cached like the others: it changes only when a rotation run replaces the root. */
export function caCertificate(issuerName: string, format: "der" | "pem"): Promise<RepositoryDocument> {
  return cached(`ca:${format}:${issuerName}`, async () => {
    const row = await issuerByName(db(), issuerName, { certificateDer: true });
    const etag = etagOf(Buffer.from(row.certificateDer).toString("base64") + format);
    const doc: RepositoryDocument =
      format === "pem"
        ? { body: Buffer.from(pemEncode("CERTIFICATE", row.certificateDer)), contentType: "application/x-pem-file", etag, cacheControl: "public, max-age=3600" }
        : { body: row.certificateDer, contentType: "application/pkix-cert", etag, cacheControl: "public, max-age=3600" };
    return { doc };
  });
}

/** Cached too: reading a 100k-entry CRL's 3 MB from the database costs ~150 ms. */
export function crl(issuerName: string): Promise<RepositoryDocument> {
  return cached(`crl:${issuerName}`, async () => {
    const c = await currentCrl(issuerName);
    return {
      doc: { body: c.der, contentType: "application/pkix-crl", etag: etagOf(`${issuerName}:${c.crlNumber}`), cacheControl: REVALIDATE, filename: `${issuerName}.crl` },
      until: c.nextUpdate.getTime() - CRL_REFRESH_MS,
    };
  });
}

export async function issuerList(): Promise<RepositoryDocument> {
  const rows = await db().issuer.findMany({ orderBy: { name: "asc" }, select: { name: true, subject: true, keyType: true, notAfter: true, revocationNumber: true, generation: true } });
  const body = Buffer.from(
    JSON.stringify({
      issuers: rows.map((r) => ({ name: r.name, subject: r.subject, keyType: r.keyType, notAfter: r.notAfter.toISOString(), generation: r.generation })),
    }),
  );
  return { body, contentType: "application/json", etag: etagOf(body.toString("base64")), cacheControl: REVALIDATE };
}
