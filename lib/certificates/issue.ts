import { appendAuditMany } from "../audit";
import { type Actor } from "../auth/actor";
import { requirePermission } from "../auth/roles";
import type { Prisma } from "../../generated/prisma/client";
import { db, type Tx } from "../db";
import { InputError } from "../errors";
import { sha256Hex } from "../pki/fingerprint";
import { formatSans } from "../pki/san";
import { sealCertificateKey } from "../secrets/keys";
import { certificateValidity } from "./validity";
import { SIGNER_COLUMNS, signerFor } from "./signers";
import { advanceSerial, issuerByName, type RenewalMethod } from "../store/state";
import type { SignRequest } from "./request";

export interface IssueOptions {
  /** The certificate this one replaces (renewal after a prefix revocation). */
  replacesId?: string;
  /** How a renewal was authenticated (token, proof-of-possession, …): recorded in its audit event. */
  via?: RenewalMethod;
  /** Clock injection for tests (the expiry sweep). */
  now?: Date;
  /** Run inside the caller's transaction (renewal marks its request in the same one). */
  tx?: Tx;
  /**
   * Only for the download server's own certificate: a revoked CA generation still
   * certifies the server devices holding only it need (docs/CA_INFORMATION.md §6).
   */
  revokedGenerationMayIssue?: boolean;
}

interface Item {
  actor: Actor;
  req: SignRequest;
  opts: IssueOptions;
}

type Outcome = { ok: true; value: IssuedCertificate } | { ok: false; error: unknown };

const CERT_COLUMNS = {
  id: true, issuerId: true, serial: true, subject: true, commonName: true, sans: true, profile: true, keyType: true,
  notBefore: true, notAfter: true, der: true, fingerprintSha256: true, spkiSha256: true, status: true,
  revokedAt: true, revocationReason: true, replacesId: true, createdAt: true,
} as const;

export type IssuedCertificate = Prisma.CertificateGetPayload<{ select: typeof CERT_COLUMNS }> & { issuerName: string; hasKey: boolean; cappedAtCaExpiry: boolean };

/**
 * Signs and stores a batch of requests for one issuer inside `tx`: one issuer read, one
 * serial-counter update, one insert of all certificates, one chained audit insert.
 * Serials are handed out in order, and only to requests that signed; a request that
 * fails gets its own error and consumes no serial.
 */
async function insertSignedBatch(tx: Tx, issuerName: string, items: Item[]): Promise<Outcome[]> {
  // The transaction holds SQLite's write lock (lib/sqlite.ts): concurrent issuers, in
  // this process or another, queue, so serials stay monotonic and unique.
  let issuer;
  try {
    issuer = await issuerByName(tx, issuerName, { ...SIGNER_COLUMNS, notAfter: true, nextSerial: true, certValidityDays: true, generation: true, generationRevokedAt: true });
  } catch (error) {
    return items.map(() => ({ ok: false, error })); // every request of the batch names the unknown issuer
  }
  const signer = signerFor(issuer);
  const outcomes: (Outcome | undefined)[] = new Array(items.length);
  const rows: Prisma.CertificateCreateManyInput[] = [];
  const signedIndex: number[] = [];
  const capped = new Set<number>();
  let serial = issuer.nextSerial;
  for (const [i, item] of items.entries()) {
    const now = item.opts.now ?? new Date();
    if (issuer.notAfter.getTime() <= now.getTime()) {
      outcomes[i] = { ok: false, error: new InputError("issuer", `the CA "${issuerName}" expired on ${issuer.notAfter.toISOString().slice(0, 10)}`) };
      continue;
    }
    // A revoked CA generation issues nothing more: its servers move to the next generation.
    if (issuer.generationRevokedAt && !item.opts.revokedGenerationMayIssue) {
      outcomes[i] = { ok: false, error: new InputError("issuer", `the CA "${issuerName}" (generation ${issuer.generation} of its lineage) was revoked on ${issuer.generationRevokedAt.toISOString().slice(0, 10)} and issues no more certificates; use the lineage's next generation`) };
      continue;
    }
    const { req } = item;
    let der: Uint8Array;
    let win;
    try {
      // Bounded by the issuer's and the profile's maximum; never past the CA's notAfter (capped and said, or refused).
      win = certificateValidity(now, issuer, req.profile, req.validityDays);
      // Async: a token key (lib/keys) signs outside this process.
      der = await signer.issueAsync({ subject: { der: Buffer.from(req.subjectDer), text: req.subject, fields: {} }, subjectPublicKeySpki: req.spki, serial, notBefore: win.notBefore, notAfter: win.notAfter, profile: req.profile, sans: req.sans });
    } catch (error) {
      outcomes[i] = { ok: false, error };
      continue;
    }
    rows.push({
      issuerId: issuer.id, serial, subject: req.subject, commonName: req.commonName, sans: formatSans(req.sans), profile: req.profile.name, keyType: req.keyType,
      notBefore: win.notBefore, notAfter: win.notAfter, der: Buffer.from(der) as Uint8Array<ArrayBuffer>, fingerprintSha256: sha256Hex(der), spkiSha256: req.spkiSha256,
      sealedKey: req.generatedKey ? sealCertificateKey(req.generatedKey, { issuerId: issuer.id, serial }) : null, replacesId: item.opts.replacesId ?? null,
    });
    signedIndex.push(i);
    if (win.cappedAtCaExpiry) capped.add(i);
    serial++;
  }
  if (rows.length === 0) return outcomes as Outcome[];
  await advanceSerial(tx, issuer.id, serial);
  const created = await tx.certificate.createManyAndReturn({ data: rows, select: CERT_COLUMNS });
  const bySerial = new Map(created.map((c) => [c.serial, c]));
  const issued = signedIndex.map((i, k) => {
    const row = bySerial.get(BigInt(rows[k].serial))!;
    const value: IssuedCertificate = { ...row, issuerName, hasKey: !!items[i].req.generatedKey, cappedAtCaExpiry: capped.has(i) };
    outcomes[i] = { ok: true, value };
    return { item: items[i], row, cappedAtCaExpiry: value.cappedAtCaExpiry };
  });
  await appendAuditMany(
    tx,
    issued.map(({ item, row, cappedAtCaExpiry }) => ({
      actor: item.actor,
      input: {
        action: item.opts.replacesId ? "certificate.renew" : "certificate.issue",
        targetType: "certificate",
        targetId: row.id,
        after: { issuer: issuerName, serial: row.serial, subject: row.subject, sans: row.sans, profile: row.profile, notAfter: row.notAfter, generatedKey: !!item.req.generatedKey, replaces: item.opts.replacesId, via: item.opts.via, validityDays: item.req.validityDays, cappedAtCaExpiry: cappedAtCaExpiry || undefined },
      },
    })),
  );
  return outcomes as Outcome[];
}

/**
 * Group commit: requests for the same issuer that arrive while a transaction is running
 * wait and then share the next one. Each caller still gets its certificate only after
 * the transaction that stored it committed; throughput no longer pays one transaction
 * per certificate (a Prisma query costs ~0.3 ms here, a signature 0.05 ms).
 */
const MAX_BATCH = 256;
const queues = new Map<string, { items: (Item & { resolve(v: IssuedCertificate): void; reject(e: unknown): void })[]; scheduled: boolean }>();

function flush(issuerName: string): void {
  const q = queues.get(issuerName)!;
  const batch = q.items.splice(0, MAX_BATCH);
  db()
    .$transaction((tx) => insertSignedBatch(tx, issuerName, batch))
    .then(
      (outcomes) => outcomes.forEach((o, i) => (o.ok ? batch[i].resolve(o.value) : batch[i].reject(o.error))),
      (error) => batch.forEach((b) => b.reject(error)),
    )
    .finally(() => {
      if (q.items.length) flush(issuerName);
      else q.scheduled = false;
    });
}

/**
 * The last step of the pipeline: allocate the serial, sign, store and audit in one
 * transaction. A failure leaves no row, no audit entry and no consumed serial.
 */
export async function issueCertificate(actor: Actor, issuerName: string, req: SignRequest, opts: IssueOptions = {}): Promise<IssuedCertificate> {
  requirePermission(actor.role, "certificates:write");
  if (opts.tx) {
    const [o] = await insertSignedBatch(opts.tx, issuerName, [{ actor, req, opts }]);
    if (!o.ok) throw o.error;
    return o.value;
  }
  return new Promise((resolve, reject) => {
    let q = queues.get(issuerName);
    if (!q) queues.set(issuerName, (q = { items: [], scheduled: false }));
    q.items.push({ actor, req, opts, resolve, reject });
    if (!q.scheduled) {
      q.scheduled = true;
      // Let requests that arrive in this tick join the first batch.
      setImmediate(() => flush(issuerName));
    }
  });
}
