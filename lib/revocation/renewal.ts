import type { Actor } from "../audit";
import { requirePermission } from "../auth/roles";
import { hashSecret } from "../auth/tokens";
import { issueCertificate } from "../certificates/issue";
import { requestFromCsr, requestWithGeneratedKey, type SignRequest } from "../certificates/request";
import { db, type Tx } from "../db";
import { parseCertificate } from "../pki/certificate";
import { ConflictError, InputError, NotFoundError } from "../pki/errors";
import { signatureScheme, verifySignature } from "../pki/signature";
import { parseCsr } from "../pki/csr";
import { completeIfDone, loadIssuer } from "./prefix";

/**
 * Issues the replacement for a certificate that has a pending renewal request, in one
 * transaction with marking the request done and, when it was the last one awaited,
 * moving the RN. The replacement keeps the subject, SANs and profile; the key must be new.
 */
type OldCertificate = { profile: string; sans: string; subject: string; keyType: string };

/** The replacement's request from a holder's CSR: same profile and SANs as the old one. */
const fromCsr = (csr: Uint8Array | string) => (old: OldCertificate) => requestFromCsr({ csr, profile: old.profile, sans: old.sans ? old.sans.split(", ") : undefined });

/** For keys Rootline generated and holds: a new key of the same type, same identity. */
const withNewKey = (old: OldCertificate) => requestWithGeneratedKey({ subject: old.subject, keyType: old.keyType, profile: old.profile, sans: old.sans ? old.sans.split(", ") : undefined });

async function renewInTx(tx: Tx, actor: Actor, issuerName: string, serial: bigint, makeRequest: (old: OldCertificate) => Promise<SignRequest>, now: Date) {
  const issuer = await loadIssuer(tx, issuerName);
  const old = await tx.certificate.findUnique({ where: { issuerId_serial: { issuerId: issuer.id, serial } } });
  if (!old) throw new NotFoundError("serial", `issuer "${issuerName}" has no certificate with serial ${serial}`);
  const request = await tx.renewalRequest.findFirst({ where: { certificateId: old.id, status: "pending" } });
  if (!request) throw new ConflictError("serial", `no renewal request is pending for serial ${serial}`);
  const req = await makeRequest(old);
  if (req.spkiSha256 === old.spkiSha256) throw new InputError("csr", "the CSR carries the same public key as the certificate being renewed; generate a new key pair");
  if (req.subject !== old.subject) throw new InputError("csr", `the CSR is for "${req.subject}", but the certificate being renewed is for "${old.subject}"`);
  const replacement = await issueCertificate(actor, issuerName, req, { tx, replacesId: old.id, now });
  if (old.status === "valid") await tx.certificate.update({ where: { id: old.id }, data: { status: "superseded" } });
  await tx.renewalRequest.update({ where: { id: request.id }, data: { status: "renewed", replacementId: replacement.id, renewedAt: now, tokenHash: null } });
  const completed = await completeIfDone(tx, actor, issuer.id, now);
  return { replacement, completed };
}

/** An operator renews by hand (UI, CLI, API) with a CSR from the holder. */
export async function renewCertificate(actor: Actor, input: { issuer: string; serial: bigint; csr: Uint8Array | string; now?: Date }) {
  requirePermission(actor.role, "certificates:write");
  return db().$transaction((tx) => renewInTx(tx, actor, input.issuer, input.serial, fromCsr(input.csr), input.now ?? new Date()));
}

/** Renews a certificate whose private key Rootline generated (and so can replace). */
export async function renewGeneratedKey(actor: Actor, input: { issuer: string; serial: bigint; now?: Date }) {
  requirePermission(actor.role, "certificates:write");
  return db().$transaction(async (tx) => {
    const issuer = await loadIssuer(tx, input.issuer);
    const old = await tx.certificate.findUnique({ where: { issuerId_serial: { issuerId: issuer.id, serial: input.serial } }, select: { sealedKey: true } });
    if (old && !old.sealedKey) throw new InputError("serial", `Rootline does not hold the key of serial ${input.serial}; renew it with the holder's CSR`);
    return renewInTx(tx, actor, input.issuer, input.serial, withNewKey, input.now ?? new Date());
  });
}

const holder = (issuer: string, serial: bigint): Actor => ({ kind: "device", name: `${issuer}#${serial}`, role: "operator" });

/** The holder renews with its one-time renewal token (consumed on success). */
export async function renewWithToken(input: { token: string; csr: Uint8Array | string; issuer?: string; serial?: bigint; now?: Date }) {
  return db().$transaction(async (tx) => {
    const req = await tx.renewalRequest.findUnique({ where: { tokenHash: hashSecret(input.token) }, include: { revocation: { include: { issuer: { select: { name: true } } } } } });
    if (!req || req.status !== "pending") throw new InputError("token", "invalid or already used renewal token", 401);
    const name = req.revocation.issuer.name;
    if ((input.issuer !== undefined && input.issuer !== name) || (input.serial !== undefined && input.serial !== req.serial)) {
      throw new InputError("token", "this renewal token belongs to another certificate", 401);
    }
    return renewInTx(tx, holder(name, req.serial), name, req.serial, fromCsr(input.csr), input.now ?? new Date());
  });
}

/**
 * The holder renews with a signed request: its current certificate, and a signature by
 * the current private key over the new CSR's DER. Proof of possession of the old key
 * authorizes the new one (the shape of ACME's and EST's re-enrolment).
 */
export async function renewWithProof(input: { issuer: string; certificate: Uint8Array | string; signature: Uint8Array; csr: Uint8Array | string; serial?: bigint; now?: Date }) {
  const cert = parseCertificate(input.certificate, "certificate");
  if (input.serial !== undefined && input.serial !== cert.serial) throw new InputError("certificate", `this is the certificate with serial ${cert.serial}, not ${input.serial}`);
  if (!cert.keyType) throw new InputError("certificate", "the certificate's key type is not one Rootline issues");
  const parsed = await parseCsr(input.csr);
  if (!verifySignature(signatureScheme(cert.keyType).oid, cert.spki, parsed.der, input.signature)) {
    throw new InputError("signature", "the signature over the CSR does not verify with the current certificate's key", 401);
  }
  return db().$transaction(async (tx) => {
    const issuer = await loadIssuer(tx, input.issuer);
    const stored = await tx.certificate.findUnique({ where: { issuerId_serial: { issuerId: issuer.id, serial: cert.serial } }, select: { der: true } });
    if (!stored || !Buffer.from(stored.der).equals(Buffer.from(cert.der))) throw new InputError("certificate", `this certificate was not issued by "${issuer.name}"`, 401);
    return renewInTx(tx, holder(issuer.name, cert.serial), issuer.name, cert.serial, fromCsr(parsed.der), input.now ?? new Date());
  });
}

/** What a holder may see about its own pending renewal (public: reveals only that one is due). */
export async function pendingRenewal(issuerName: string, serial: bigint) {
  const r = await db().renewalRequest.findFirst({ where: { serial, status: "pending", revocation: { issuer: { name: issuerName } } }, include: { revocation: { select: { serial: true, reason: true, order: true, deadline: true } } } });
  return r ? { issuer: issuerName, serial, revocation: { serial: r.revocation.serial, reason: r.revocation.reason, order: r.revocation.order, deadline: r.revocation.deadline } } : null;
}
