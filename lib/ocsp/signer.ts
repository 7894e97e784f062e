import { appendAudit } from "../audit";
import { SYSTEM, type Actor } from "../auth/actor";
import { requirePermission } from "../auth/roles";
import { issueCertificate } from "../certificates/issue";
import { requestWithGeneratedKey } from "../certificates/request";
import { db } from "../db";
import { NotFoundError } from "../errors";
import { parseCertificateDer } from "../pki/certificate";
import { keyIdentifierOfSpki } from "../pki/extensions";
import { toKeyObject, type KeyType } from "../pki/keys";
import type { RevocationReason } from "../pki/reasons";
import { signWith, signatureScheme } from "../pki/signature";
import { renewGeneratedKey } from "../revocation/renewal";
import { unsealCertificateKey } from "../secrets/keys";
import { issuerByName, markRevoked, markSuperseded } from "../store/state";
import type { OcspResponder } from "./response";

/**
 * The delegated OCSP responder (RFC 6960 §4.2.2.2): a certificate of the issuer with profile
 * "ocsp" (EKU id-kp-OCSPSigning, id-pkix-ocsp-nocheck, 30 days), its key generated and sealed
 * by Rootline. There is no setting column: delegation is ON for an issuer exactly when its
 * newest ocsp-profile certificate exists and was not revoked for cessationOfOperation, which
 * is what `rootline ocsp signer --disable` writes. While on, the responder keeps it usable:
 * renewed 10 days before it expires, at once when it fell below the RN or was revoked by a
 * prefix revocation, and through its renewal request when a prefix revocation asks.
 */

export const OCSP_PROFILE = "ocsp";
const DAY_MS = 86_400_000;
/** Renewed when less than this is left (a third of its 30 days). */
export const RENEW_WHEN_LEFT_MS = 10 * DAY_MS;
export const DISABLED_REASON: RevocationReason = "cessationOfOperation";
const actor: Actor = { ...SYSTEM, name: "ocsp-responder" };

const SIGNER_COLUMNS = { id: true, issuerId: true, serial: true, der: true, keyType: true, sealedKey: true, status: true, revocationReason: true, notAfter: true } as const;
type SignerRow = { id: string; issuerId: string; serial: bigint; der: Uint8Array; keyType: string; sealedKey: Uint8Array | null; status: string; revocationReason: string | null; notAfter: Date };

export async function newestSigner(issuerId: string): Promise<SignerRow | null> {
  return db().certificate.findFirst({ where: { issuerId, profile: OCSP_PROFILE }, orderBy: { serial: "desc" }, select: SIGNER_COLUMNS });
}

export const delegationOn = (row: SignerRow | null): row is SignerRow => !!row && !(row.status === "revoked" && row.revocationReason === DISABLED_REASON);

/** Whether the certificate may sign responses now: valid, key held, not below the RN, not expired. */
export function signerUsable(row: SignerRow, revocationNumber: bigint, now: Date): boolean {
  return row.status === "valid" && !!row.sealedKey && row.serial >= revocationNumber && row.notAfter.getTime() > now.getTime() + 60_000;
}

/** Unsealed signers per certificate id: unsealing costs more than a signature. */
const responders = new Map<string, OcspResponder>();

export function delegatedResponder(row: SignerRow): OcspResponder {
  let r = responders.get(row.id);
  if (!r) {
    const keyType = row.keyType as KeyType;
    const key = toKeyObject(unsealCertificateKey({ issuerId: row.issuerId, serial: row.serial, sealedKey: row.sealedKey! }));
    const cert = parseCertificateDer(row.der);
    r = {
      id: `ocsp:${row.id}`,
      keyHash: keyIdentifierOfSpki(cert.spki),
      algorithmIdentifier: signatureScheme(keyType).algorithmIdentifier,
      sign: (tbs) => signWith(key, keyType, tbs),
      certs: [row.der],
    };
    responders.set(row.id, r);
  }
  return r;
}

/**
 * Issues the issuer's next responder certificate: through its renewal request when a prefix
 * revocation asked for one (that settles the request), else as a replacement of the current
 * one (which becomes superseded, in the same transaction) or as the first.
 */
export async function issueSigner(issuerName: string, by: Actor = actor, now = new Date()): Promise<SignerRow> {
  const issuer = await issuerByName(db(), issuerName, { id: true, keyType: true });
  const current = await newestSigner(issuer.id);
  if (current?.status === "valid") {
    const pending = await db().renewalRequest.count({ where: { certificateId: current.id, status: "pending", revocation: { status: "pending" } } });
    if (pending > 0) {
      const { replacement } = await renewGeneratedKey(by, { issuer: issuerName, serial: current.serial, now });
      return db().certificate.findUniqueOrThrow({ where: { id: replacement.id }, select: SIGNER_COLUMNS });
    }
  }
  // The key is generated before the transaction: an RSA key takes long, the write lock must not wait for it.
  const req = await requestWithGeneratedKey({ subject: { CN: `${issuerName} OCSP responder` }, keyType: issuer.keyType, profile: OCSP_PROFILE }, { internal: true });
  const id = await db().$transaction(async (tx) => {
    const replaces = current?.status === "valid" ? current.id : undefined;
    const c = await issueCertificate(by, issuerName, req, { tx, now, replacesId: replaces });
    if (replaces) await markSuperseded(tx, replaces);
    return c.id;
  });
  return db().certificate.findUniqueOrThrow({ where: { id }, select: SIGNER_COLUMNS });
}

/** One renewal at a time per issuer in this process (concurrent OCSP requests share it). */
const renewing = new Map<string, Promise<SignerRow>>();
/** After a failed renewal (a CA that issues no more, a busy database) the next try waits this long. */
const RETRY_AFTER_MS = 5 * 60_000;
const failedAt = new Map<string, number>();

const backingOff = (issuerName: string) => Date.now() - (failedAt.get(issuerName) ?? -Infinity) < RETRY_AFTER_MS;

export function renewSigner(issuerName: string, now = new Date()): Promise<SignerRow> {
  let p = renewing.get(issuerName);
  if (!p) {
    p = issueSigner(issuerName, actor, now)
      .then(
        (row) => {
          failedAt.delete(issuerName);
          return row;
        },
        (err) => {
          failedAt.set(issuerName, Date.now());
          throw err;
        },
      )
      .finally(() => renewing.delete(issuerName));
    renewing.set(issuerName, p);
  }
  return p;
}

type IssuerFacts = { id: string; name: string; revocationNumber: bigint; notAfter: Date };

/**
 * Whether a usable responder certificate should be replaced: a prefix revocation asks for
 * it, or it has under 10 days left — unless it already ends with its CA (a new one could
 * not live longer).
 */
async function renewalDue(row: SignerRow, issuer: IssuerFacts, now: Date): Promise<boolean> {
  if (row.notAfter.getTime() - now.getTime() < RENEW_WHEN_LEFT_MS && row.notAfter.getTime() < issuer.notAfter.getTime()) return true;
  return (await db().renewalRequest.count({ where: { certificateId: row.id, status: "pending", revocation: { status: "pending" } } })) > 0;
}

/**
 * The responder that signs for the issuer now: the delegated one when delegation is on
 * (renewing it first when it cannot sign, in the background when it is due), else null (the
 * issuer signs). `recheckAt`: when to look again although nothing committed.
 */
export async function currentDelegate(issuer: IssuerFacts, now = new Date()): Promise<{ responder: OcspResponder; recheckAt: number } | null> {
  let row = await newestSigner(issuer.id);
  if (!delegationOn(row)) return null;
  if (!signerUsable(row, issuer.revocationNumber, now)) {
    // The issuer's own signature is always valid: it answers while no renewal succeeds.
    if (backingOff(issuer.name)) return null;
    try {
      row = await renewSigner(issuer.name, now);
    } catch (err) {
      console.error(`rootline: OCSP responder certificate of ${issuer.name} could not be renewed; the issuer signs meanwhile:`, err);
      return null;
    }
  }
  let recheckAt = row.notAfter.getTime() - RENEW_WHEN_LEFT_MS;
  if (await renewalDue(row, issuer, now)) {
    recheckAt = Date.now() + RETRY_AFTER_MS; // a renewal commits (and so reloads) long before
    if (!backingOff(issuer.name)) renewSigner(issuer.name, now).catch((err) => console.error(`rootline: OCSP responder certificate of ${issuer.name}: renewal failed:`, err));
  }
  return { responder: delegatedResponder(row), recheckAt: Math.max(recheckAt, Date.now() + 1000) };
}

/**
 * The hourly job's part (lib/jobs.ts): every issuer with delegation on gets its responder
 * certificate renewed when due, even without OCSP traffic — so a renew-first revocation that
 * covers it never waits for a request. Returns the issuers renewed; failures are logged.
 */
export async function keepDelegatedSigners(now = new Date()): Promise<string[]> {
  const renewed: string[] = [];
  for (const issuer of await db().issuer.findMany({ select: { id: true, name: true, revocationNumber: true, notAfter: true } })) {
    const row = await newestSigner(issuer.id);
    if (!delegationOn(row)) continue;
    if (signerUsable(row, issuer.revocationNumber, now) && !(await renewalDue(row, issuer, now))) continue;
    try {
      await renewSigner(issuer.name, now);
      renewed.push(issuer.name);
    } catch (err) {
      console.error(`rootline: OCSP responder certificate of ${issuer.name}: renewal failed:`, err);
    }
  }
  return renewed;
}

export interface SignerInfo {
  issuer: string;
  delegated: boolean;
  serial?: string;
  notAfter?: string;
}

const info = (issuer: string, row: SignerRow | null): SignerInfo =>
  delegationOn(row) ? { issuer, delegated: true, serial: row.serial.toString(), notAfter: row.notAfter.toISOString() } : { issuer, delegated: false };

/** Turns delegation on (issuing a responder certificate unless a usable one exists). */
export async function enableDelegatedSigner(by: Actor, issuerName: string, now = new Date()): Promise<SignerInfo> {
  requirePermission(by.role, "certificates:write");
  const issuer = await issuerByName(db(), issuerName, { id: true, revocationNumber: true });
  const row = await newestSigner(issuer.id);
  if (delegationOn(row) && signerUsable(row, issuer.revocationNumber, now) && row.notAfter.getTime() - now.getTime() >= RENEW_WHEN_LEFT_MS) return info(issuerName, row);
  return info(issuerName, await issueSigner(issuerName, by, now));
}

/**
 * Turns delegation off: the newest responder certificate is revoked for cessationOfOperation
 * (on the CRL; relying parties never check it, it carries no-check). The issuer signs again.
 */
export async function disableDelegatedSigner(by: Actor, issuerName: string, now = new Date()): Promise<SignerInfo> {
  requirePermission(by.role, "certificates:write");
  await db().$transaction(async (tx) => {
    const issuer = await issuerByName(tx, issuerName, { id: true });
    const row = await tx.certificate.findFirst({ where: { issuerId: issuer.id, profile: OCSP_PROFILE }, orderBy: { serial: "desc" }, select: SIGNER_COLUMNS });
    if (!delegationOn(row)) return;
    await markRevoked(tx, row, DISABLED_REASON, now);
    await appendAudit(tx, by, { action: "certificate.revoke", targetType: "certificate", targetId: row.id, before: { status: row.status }, after: { status: "revoked", reason: DISABLED_REASON, serial: row.serial, ocspDelegation: "off" } });
  });
  return { issuer: issuerName, delegated: false };
}

/** The current state, for the CLI. */
export async function signerInfo(issuerName: string): Promise<SignerInfo> {
  const issuer = await db().issuer.findUnique({ where: { name: issuerName }, select: { id: true } });
  if (!issuer) throw new NotFoundError("issuer", `no issuer named "${issuerName}"`);
  return info(issuerName, await newestSigner(issuer.id));
}
