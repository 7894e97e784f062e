import type { Actor } from "../auth/actor";
import { actorLabel } from "../audit";
import { requirePermission } from "../auth/roles";
import { hashSecret } from "../auth/tokens";
import { issueCertificate } from "../certificates/issue";
import { requestFromCsr, requestWithGeneratedKey, type SignRequest } from "../certificates/request";
import { markRenewed, markSuperseded, type RenewalMethod } from "../store/state";
import { db, type Tx } from "../db";
import { parseCertificate } from "../pki/certificate";
import { ConflictError, InputError, NotFoundError } from "../errors";
import { signatureScheme, verifySignature } from "../pki/signature";
import { parseCsr } from "../pki/csr";
import { keyDistrusted } from "../pki/reasons";
import { keyPurgedAt } from "../secrets/purge";
import { renewalIssuer } from "./move";
import { completeIfDone, loadIssuer } from "./prefix";


/**
 * Issues the replacement for a certificate that has a pending renewal request, in one
 * transaction with marking the request done and, when it was the last one awaited,
 * moving the RN. The replacement keeps the subject, SANs and profile; the key must be new.
 * Its issuer is the old certificate's, or the next CA generation once the old one's
 * servers move (lib/revocation/move.ts).
 */
type OldCertificate = { profile: string; sans: string; subject: string; keyType: string; spkiSha256: string; revocationReason: string | null };

/** The replacement's request from a holder's CSR: same profile and SANs as the old one. */
const fromCsr = (csr: Uint8Array | string) => (old: OldCertificate) => requestFromCsr({ csr, profile: old.profile, sans: old.sans ? old.sans.split(", ") : undefined });

/** For keys Rootline generated and holds: a new key of the same type, same identity. */
// `internal`: the old certificate's profile is one Rootline issued (e.g. the repository's own).
const withNewKey = (old: OldCertificate) => requestWithGeneratedKey({ subject: old.subject, keyType: old.keyType, profile: old.profile, sans: old.sans ? old.sans.split(", ") : undefined }, { internal: true });

/**
 * Why the old certificate's own key may not authenticate its renewal, or null when it may:
 * it was revoked for a reason that distrusts its key or identity, or another certificate
 * with the same key was (key reuse spreads a compromise). Other holders in the prefix
 * keep proof of possession: their keys are not in doubt (SPEC 2.1).
 */
async function proofRefusal(tx: Tx, old: OldCertificate & { serial: bigint }): Promise<string | null> {
  if (keyDistrusted(old.revocationReason)) return `serial ${old.serial} was revoked for ${old.revocationReason}`;
  const sameKey = await tx.certificate.findMany({ where: { spkiSha256: old.spkiSha256, status: "revoked" }, select: { serial: true, revocationReason: true, issuer: { select: { name: true } } } });
  const bad = sameKey.find((c) => keyDistrusted(c.revocationReason));
  return bad ? `its key is also the key of serial ${bad.serial} of "${bad.issuer.name}", revoked for ${bad.revocationReason}` : null;
}

/**
 * A replacement keeps the identity and changes the key: the same subject, another public
 * key (every renewal path, EST's re-enrolment included). `what` names the old certificate,
 * `subjectRule` says where the rule comes from when a protocol sets it.
 */
export function checkReplacement(req: Pick<SignRequest, "subject" | "spkiSha256">, old: { subject: string; spkiSha256: string }, what = "the certificate being renewed", subjectRule = ""): void {
  if (req.spkiSha256 === old.spkiSha256) throw new InputError("csr", `the CSR carries the same public key as ${what}; generate a new key pair`);
  if (req.subject !== old.subject) throw new InputError("csr", `the CSR is for "${req.subject}", but ${what} is for "${old.subject}"${subjectRule}`);
}

async function renewInTx(tx: Tx, actor: Actor, issuerName: string, serial: bigint, makeRequest: (old: OldCertificate) => Promise<SignRequest>, now: Date, via: RenewalMethod) {
  const issuer = await loadIssuer(tx, issuerName);
  const old = await tx.certificate.findUnique({ where: { issuerId_serial: { issuerId: issuer.id, serial } } });
  if (!old) throw new NotFoundError("serial", `issuer "${issuerName}" has no certificate with serial ${serial}`);
  const request = await tx.renewalRequest.findFirst({ where: { certificateId: old.id, status: "pending", revocation: { status: "pending" } }, include: { revocation: { select: { serial: true, deadline: true } } } });
  if (!request) throw new ConflictError("serial", `no renewal request is pending for serial ${serial}`);
  // The deadline closes the request even before the sweep that forces the completion runs.
  if (request.revocation.deadline && request.revocation.deadline <= now) {
    throw new ConflictError("serial", `the deadline of the revocation of serial ${request.revocation.serial} passed (${request.revocation.deadline.toISOString()}); the renewal request is closed`);
  }
  if (via === "proof-of-possession") {
    const why = await proofRefusal(tx, old);
    if (why) throw new InputError("signature", `${why}: its key cannot authenticate a renewal; use the one-time renewal token or ask an operator`, 403);
  }
  const req = await makeRequest(old);
  checkReplacement(req, old);
  const signer = await renewalIssuer(tx, issuer);
  const replacement = await issueCertificate(actor, signer.name, req, { tx, replacesId: old.id, now, via });
  await markSuperseded(tx, old.id);
  await markRenewed(tx, request.id, replacement.id, via, actorLabel(actor), now);
  const completed = await completeIfDone(tx, actor, issuer.id, now);
  return { replacement, completed };
}

/** An operator renews by hand (UI, CLI, API) with a CSR from the holder. */
export async function renewCertificate(actor: Actor, input: { issuer: string; serial: bigint; csr: Uint8Array | string; now?: Date }) {
  requirePermission(actor.role, "certificates:write");
  return db().$transaction((tx) => renewInTx(tx, actor, input.issuer, input.serial, fromCsr(input.csr), input.now ?? new Date(), "operator"));
}

/** Renews a certificate whose private key Rootline generated (and so can replace). */
export async function renewGeneratedKey(actor: Actor, input: { issuer: string; serial: bigint; now?: Date }) {
  requirePermission(actor.role, "certificates:write");
  return db().$transaction(async (tx) => {
    const issuer = await loadIssuer(tx, input.issuer);
    const old = await tx.certificate.findUnique({ where: { issuerId_serial: { issuerId: issuer.id, serial: input.serial } }, select: { id: true, sealedKey: true } });
    // A generated key purged after the holder took it (lib/secrets/purge.ts) was still Rootline's to replace.
    if (old && !old.sealedKey && !(await keyPurgedAt(tx, old.id))) throw new InputError("serial", `Rootline does not hold the key of serial ${input.serial}; renew it with the holder's CSR`);
    return renewInTx(tx, actor, input.issuer, input.serial, withNewKey, input.now ?? new Date(), "generated-key");
  });
}

const holder = (issuer: string, serial: bigint): Actor => ({ kind: "device", name: `${issuer}#${serial}`, role: "operator" });

/** The holder renews with its one-time renewal token (consumed on success). */
export async function renewWithToken(input: { token: string; csr: Uint8Array | string; issuer?: string; serial?: bigint; now?: Date }) {
  return db().$transaction(async (tx) => {
    const req = await tx.renewalRequest.findUnique({ where: { tokenHash: hashSecret(input.token) }, include: { revocation: { include: { issuer: { select: { name: true } } } } } });
    // A closed request (its revocation completed, by force or at its deadline) has no token any more.
    if (!req || req.status !== "pending") throw new InputError("token", "invalid or already used renewal token", 401);
    const name = req.revocation.issuer.name;
    if ((input.issuer !== undefined && input.issuer !== name) || (input.serial !== undefined && input.serial !== req.serial)) {
      throw new InputError("token", "this renewal token belongs to another certificate", 401);
    }
    return renewInTx(tx, holder(name, req.serial), name, req.serial, fromCsr(input.csr), input.now ?? new Date(), "token");
  });
}

/**
 * The holder renews with a signed request: its current certificate, and a signature by
 * the current private key over the new CSR's DER. Proof of possession of the old key
 * authorizes the new one (the shape of ACME's and EST's re-enrolment) — except for a key
 * revoked for a reason that distrusts it (keyCompromise and the like, lib/pki/reasons.ts):
 * the thief holds that key too, so this path answers 403 and leaves the request pending.
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
    return renewInTx(tx, holder(issuer.name, cert.serial), issuer.name, cert.serial, fromCsr(parsed.der), input.now ?? new Date(), "proof-of-possession");
  });
}

/** What a holder may see about its own pending renewal (public: reveals only that one is due). */
export async function pendingRenewal(issuerName: string, serial: bigint) {
  const r = await db().renewalRequest.findFirst({ where: { serial, status: "pending", revocation: { status: "pending", issuer: { name: issuerName } } }, include: { revocation: { select: { serial: true, reason: true, order: true, deadline: true, successor: { select: { name: true } } } } } });
  if (!r) {
    await loadIssuer(db(), issuerName); // an unknown issuer is a 404, not "nothing pending"
    return null;
  }
  // renewFrom: the CA that will sign the replacement (the next generation when servers move).
  return { issuer: issuerName, serial, renewFrom: r.revocation.successor?.name ?? issuerName, revocation: { serial: r.revocation.serial, reason: r.revocation.reason, order: r.revocation.order, deadline: r.revocation.deadline } };
}

/** How each renewed request of the issuer's pending revocations was authenticated, by serial. */
export async function renewalMethods(issuerName: string): Promise<Map<bigint, RenewalMethod>> {
  const rows = await db().renewalRequest.findMany({
    where: { status: "renewed", renewedVia: { not: null }, revocation: { status: "pending", issuer: { name: issuerName } } },
    select: { serial: true, renewedVia: true },
  });
  return new Map(rows.map((r) => [r.serial, r.renewedVia as RenewalMethod]));
}

/**
 * A renewal through a standard protocol, in the caller's transaction: an ACME order that
 * replaces a certificate (RFC 9773 `replaces`, or the same identifiers from the same
 * account), or an EST `simplereenroll` over mutual TLS.
 * - With a pending renewal request on the old certificate, the replacement settles it
 *   exactly as a token renewal does (renewInTx: same subject, new key, the RN moves once
 *   the last one is in), recorded as renewed via `via`.
 * - Without one, it is an ordinary issuance that supersedes nothing: `settled` is false and
 *   the caller issues as usual (returns null).
 * `proof`: the old certificate's key authenticated this request (EST re-enrolment): refused
 * with 403 when that key is distrusted (revoked for keyCompromise and the like), as
 * renewWithProof is.
 */
export async function renewThroughProtocol(
  tx: Tx,
  actor: Actor,
  input: { issuer: string; serial: bigint; request: (old: OldCertificate) => Promise<SignRequest>; via: "acme" | "est"; proof: boolean; now?: Date },
): Promise<Awaited<ReturnType<typeof renewInTx>> | null> {
  const now = input.now ?? new Date();
  const issuer = await loadIssuer(tx, input.issuer);
  const old = await tx.certificate.findUnique({ where: { issuerId_serial: { issuerId: issuer.id, serial: input.serial } } });
  if (!old) throw new NotFoundError("serial", `issuer "${input.issuer}" has no certificate with serial ${input.serial}`);
  if (input.proof) {
    const why = await proofRefusal(tx, old);
    if (why) throw new InputError("certificate", `${why}: its key cannot authenticate a renewal`, 403);
  }
  const pending = await tx.renewalRequest.findFirst({ where: { certificateId: old.id, status: "pending", revocation: { status: "pending" } }, select: { id: true } });
  if (!pending) return null;
  return renewInTx(tx, actor, input.issuer, input.serial, input.request, now, input.via);
}

export type { OldCertificate };
