import type { Actor } from "../auth/actor";
import { issueCertificate, type IssuedCertificate } from "../certificates/issue";
import { requestFromCsr, type SignRequest } from "../certificates/request";
import { db } from "../db";
import { InputError } from "../errors";
import { parseCertificateDer, verifyCertificateSignature } from "../pki/certificate";
import { parseCsr } from "../pki/csr";
import { checkReplacement, renewThroughProtocol, type OldCertificate } from "../revocation/renewal";
import { issuerByName, markSuperseded } from "../store/state";

/**
 * EST enrolment (RFC 7030 §4.2) through Rootline's issuance pipeline (lib/certificates):
 * validated, serial-allocated, signed, stored and audited as every other certificate.
 */

/**
 * `simpleenroll`: the profile follows the CSR. A device that asks for subject alternative
 * names serves TLS under them as well as authenticating as a client: profile `both`
 * (serverAuth + clientAuth). Without SANs it is a client identity: profile `client`.
 */
export async function simpleEnroll(actor: Actor, issuerName: string, csrDer: Uint8Array): Promise<IssuedCertificate> {
  const csr = await parseCsr(csrDer);
  const request = await requestFromCsr({ csr: csrDer, profile: csr.sans.length ? "both" : "client" });
  return issueCertificate(actor, issuerName, request);
}

const refused = (message: string) => new InputError("certificate", message, 403);

/**
 * The replacement's request: the CSR's key, the old certificate's profile and SANs
 * (RFC 7030 §4.2.2: the SANs are the current certificate's; the subject must be the same,
 * which checkReplacement checks beside the new key, for a settled request and a plain re-enrolment alike).
 */
const keepIdentity = (csrDer: Uint8Array) => async (old: OldCertificate): Promise<SignRequest> => {
  const req = await requestFromCsr({ csr: csrDer, profile: old.profile, sans: old.sans ? old.sans.split(", ") : undefined });
  if (!old.sans && req.sans.length) throw new InputError("csr", "the certificate being re-enrolled has no subject alternative names; the CSR may not add any");
  return req;
};

/**
 * `simplereenroll`, authenticated ONLY by the client certificate of this TLS connection
 * (its key proven by the handshake; its chain judged here, not by the listener): it must
 * be this issuer's (signature, and the same DER stored under its serial) and within its
 * dates. Then, in one transaction:
 * - a pending renewal request (a prefix revocation, the sweep) is settled by the new
 *   certificate (lib/revocation/renewal.ts renewThroughProtocol, recorded as via `est`),
 *   even though the old certificate is revoked or below the RN — that is how a device
 *   answers a renew-first revocation — unless its key is distrusted (keyCompromise and the
 *   like, or shared with such a certificate): 403, as for the renewal endpoint;
 * - otherwise the certificate must be valid and not below the RN, and the new one
 *   supersedes it, as a renewal does.
 * The new certificate keeps the subject, SANs and profile, with a new key.
 */
export async function simpleReenroll(issuerName: string, clientCertificateDer: Uint8Array | null, csrDer: Uint8Array, now = new Date()): Promise<IssuedCertificate> {
  if (!clientCertificateDer) throw refused("re-enrolment is authenticated by your current certificate: present it in the TLS handshake (curl --cert cert.pem --key key.pem) over HTTPS");
  const cert = parseCertificateDer(clientCertificateDer, "certificate");
  return db().$transaction(async (tx) => {
    const issuer = await issuerByName(tx, issuerName, { id: true, name: true, certificateDer: true, revocationNumber: true });
    let signed = false;
    try {
      signed = await verifyCertificateSignature(cert, issuer.certificateDer);
    } catch {
      // An algorithm Rootline never signs with: not ours either.
    }
    const stored = signed ? await tx.certificate.findUnique({ where: { issuerId_serial: { issuerId: issuer.id, serial: cert.serial } }, select: { id: true, der: true, status: true, revocationReason: true } }) : null;
    if (!stored || !Buffer.from(stored.der).equals(Buffer.from(cert.der))) throw refused(`the client certificate (serial ${cert.serial}, "${cert.subject}") was not issued by "${issuer.name}"`);
    if (now < cert.notBefore || now >= cert.notAfter) throw refused(`the client certificate (serial ${cert.serial}) is ${now < cert.notBefore ? "not valid yet" : `expired (${cert.notAfter.toISOString()})`}`);
    const actor: Actor = { kind: "device", name: `est:${issuer.name}#${cert.serial}`, role: "operator" };
    const request = keepIdentity(csrDer);
    const settled = await renewThroughProtocol(tx, actor, { issuer: issuer.name, serial: cert.serial, request, via: "est", proof: true, now });
    if (settled) return settled.replacement;
    if (stored.status !== "valid") throw refused(`serial ${cert.serial} is ${stored.status}${stored.revocationReason ? ` (${stored.revocationReason})` : ""} and no renewal is pending for it; enrol anew`);
    if (cert.serial < issuer.revocationNumber) throw refused(`serial ${cert.serial} is below the revocation number ${issuer.revocationNumber}; enrol anew`);
    const old = await tx.certificate.findUniqueOrThrow({ where: { id: stored.id } });
    const req = await request(old);
    checkReplacement(req, old, "the current certificate", " (RFC 7030 §4.2.2: the subject stays)");
    const replacement = await issueCertificate(actor, issuer.name, req, { tx, replacesId: old.id, now, via: "est" });
    await markSuperseded(tx, old.id);
    return replacement;
  });
}
