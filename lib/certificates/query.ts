import { z } from "zod";
import { db, sqlDialect } from "../db";
import { NotFoundError } from "../errors";
import { parseOrThrow } from "../validation";

export const SORTS = ["serial", "notAfter", "createdAt", "commonName"] as const;
export const STATUSES = ["valid", "revoked", "superseded", "expired"] as const;

export const CertificateFilter = z.object({
  q: z.string().trim().max(200, "the search text is too long").optional(),
  issuer: z.string().trim().max(64).optional(),
  status: z.enum(STATUSES, { error: `status must be one of ${STATUSES.join(", ")}` }).optional(),
  expiringWithinDays: z.coerce.number({ error: "expiring must be a number of days" }).int().min(0).max(36_500).optional(),
  sort: z.enum(SORTS, { error: `sort must be one of ${SORTS.join(", ")}` }).default("serial"),
  dir: z.enum(["asc", "desc"], { error: "dir must be asc or desc" }).default("desc"),
  page: z.coerce.number({ error: "page must be a number" }).int().min(1, "page starts at 1").default(1),
  pageSize: z.coerce.number({ error: "pageSize must be a number" }).int().min(1).max(500, "at most 500 per page").default(50),
});
/** Raw filter values (query string, form, CLI flags): validated by listCertificates. */
export type CertificateFilterInput = { [K in keyof z.input<typeof CertificateFilter>]?: unknown };

/** Serials are stored as SQLite INTEGER (signed 64 bits): a larger number cannot even be bound as a query parameter. */
export const MAX_STORED_SERIAL = (1n << 63n) - 1n;

/** "1234", "0x4d2", "04:d2" → serial, when the search text is one (and could be stored). */
function serialOf(q: string): bigint | null {
  let v: bigint | null = null;
  if (/^\d{1,40}$/.test(q)) v = BigInt(q);
  const hex = q.replace(/^0x/i, "").replace(/:/g, "");
  if (v === null && /^[0-9a-f]{1,40}$/i.test(hex) && (q.startsWith("0x") || q.includes(":"))) v = BigInt("0x" + hex);
  return v !== null && v <= MAX_STORED_SERIAL ? v : null;
}

function where(f: z.output<typeof CertificateFilter>, now: Date, issuerId: string | null) {
  const and: object[] = [];
  // An id, not a join on the name: the planner then uses the (issuerId, status, serial) index.
  if (f.issuer) and.push({ issuerId: issuerId ?? "" });
  if (f.status === "expired") and.push({ status: "valid", notAfter: { lt: now } });
  else if (f.status === "valid") and.push({ status: "valid", notAfter: { gte: now } });
  else if (f.status) and.push({ status: f.status });
  if (f.expiringWithinDays !== undefined) and.push({ notAfter: { gte: now, lte: new Date(now.getTime() + f.expiringWithinDays * 86_400_000) } });
  if (f.q) {
    const serial = serialOf(f.q);
    const contains = sqlDialect().containsIgnoringCase(f.q); // SQLite's LIKE ignores ASCII case; PostgreSQL's needs `mode`
    and.push({ OR: [{ subject: contains }, { sans: contains }, ...(serial !== null ? [{ serial }] : [])] });
  }
  return and.length ? { AND: and } : {};
}

/** Offset pagination over indexed sorts; the count uses the same filter. */
export async function listCertificates(input: CertificateFilterInput = {}, now = new Date()) {
  const f = parseOrThrow(CertificateFilter, input, "filter");
  const issuerId = f.issuer ? ((await db().issuer.findUnique({ where: { name: f.issuer }, select: { id: true } }))?.id ?? null) : null;
  const w = where(f, now, issuerId);
  const [rows, total] = await Promise.all([
    db().certificate.findMany({
      where: w,
      // Same direction for the tie-breaker, so SQLite walks one (sort key, id) index.
      orderBy: [{ [f.sort]: f.dir }, { id: f.dir }],
      skip: (f.page - 1) * f.pageSize,
      take: f.pageSize,
      select: { id: true, serial: true, subject: true, commonName: true, sans: true, profile: true, keyType: true, notBefore: true, notAfter: true, status: true, revokedAt: true, revocationReason: true, issuer: { select: { name: true } } },
    }),
    db().certificate.count({ where: w }),
  ]);
  const facts = await renewalFacts(rows.map((r) => r.id));
  return { rows: rows.map(({ issuer, ...r }) => ({ ...r, issuerName: issuer.name, ...facts(r.id) })), total, page: f.page, pageSize: f.pageSize, pages: Math.max(1, Math.ceil(total / f.pageSize)), filter: f };
}

/**
 * Which of these certificates a pending prefix revocation asks to renew (their holders
 * have work to do, and a list that says only "valid" hides that), and which were replaced:
 * with the stored status, what lib/certificates/statusWord.ts decides the word from.
 */
async function renewalFacts(ids: string[]): Promise<(id: string) => { awaitingRenewal: boolean; replaced: boolean }> {
  if (ids.length === 0) return () => ({ awaitingRenewal: false, replaced: false });
  const pending = await db().renewalRequest.findMany({ where: { certificateId: { in: ids }, status: "pending", revocation: { status: "pending" } }, select: { certificateId: true } });
  const replacements = await db().certificate.findMany({ where: { replacesId: { in: ids } }, select: { replacesId: true } });
  const awaiting = new Set(pending.map((p) => p.certificateId));
  const replaced = new Set(replacements.map((r) => r.replacesId));
  return (id) => ({ awaitingRenewal: awaiting.has(id), replaced: replaced.has(id) });
}

export async function getCertificate(id: string) {
  const row = await db().certificate.findUnique({ where: { id }, include: { issuer: { select: { name: true, certificateDer: true, revocationNumber: true, notAfter: true } } } });
  if (!row) throw new NotFoundError("id", "no such certificate");
  // The sealed key is read only to say whether one exists; it is not returned.
  const { sealedKey, ...rest } = row;
  return { ...rest, hasKey: sealedKey !== null, ...(await renewalFacts([row.id]))(row.id) };
}

export async function getCertificateBySerial(issuerName: string, serial: bigint) {
  const row = await db().certificate.findFirst({ where: { serial, issuer: { name: issuerName } }, omit: { sealedKey: true } });
  if (!row) throw new NotFoundError("serial", `issuer "${issuerName}" has no certificate with serial ${serial}`);
  return row;
}
