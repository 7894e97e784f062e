import { createPublicKey } from "node:crypto";
import type { Actor } from "../auth/actor";
import { db } from "../db";
import { ConflictError, InputError } from "../errors";
import { parseCertificateDer } from "../pki/certificate";
import { sha256Hex } from "../pki/fingerprint";
import { spkiSha256Hex } from "../pki/keys";
import { REVOKING_REASONS, revocationReasonFromCode, type RevocationReason } from "../pki/reasons";
import { startRevocation } from "../revocation/prefix";
import { AcmeProblem } from "./problem";
import { accountActor, body, type AcmeIssuer, type SignedRequest } from "./request";

/**
 * revokeCert (RFC 8555 7.6), by the account that ordered the certificate or by the
 * certificate's own key. It is Rootline's one revocation, the operator's (startRevocation):
 * the serial goes on the CRL at once and, as every revocation of serial S, asks the
 * holders of lower serials to renew (renew-first: an ACME client never pushes the RN past
 * other holders' certificates by itself). The revoking holder is not awaited: it asked for
 * the revocation and orders a new certificate if it wants one.
 */
function reasonOf(v: unknown): RevocationReason {
  if (v === undefined) return "unspecified";
  const r = typeof v === "number" && Number.isInteger(v) ? revocationReasonFromCode(v) : undefined;
  if (!r || !REVOKING_REASONS.includes(r)) throw new AcmeProblem("badRevocationReason", `reason ${JSON.stringify(v)} is not a revocation reason this CA accepts (codes ${REVOKING_REASONS.map((x) => x).join(", ")})`);
  return r;
}

export async function revokeCert(req: SignedRequest, issuer: AcmeIssuer): Promise<void> {
  const p = body(req);
  if (typeof p.certificate !== "string" || !/^[A-Za-z0-9_-]+$/.test(p.certificate)) throw new AcmeProblem("malformed", "certificate must be the base64url DER of the certificate to revoke");
  const der = Buffer.from(p.certificate, "base64url");
  let parsed;
  try {
    parsed = parseCertificateDer(der);
  } catch (e) {
    if (e instanceof InputError) throw new AcmeProblem("malformed", e.message);
    throw e;
  }
  const reason = reasonOf(p.reason);
  const cert = await db().certificate.findFirst({ where: { serial: parsed.serial, fingerprintSha256: sha256Hex(der) }, select: { id: true, serial: true, status: true, spkiSha256: true, notAfter: true, issuerId: true, issuer: { select: { name: true } } } });
  if (!cert) throw new AcmeProblem("malformed", "this CA did not issue that certificate", 404);
  let actor: Actor;
  if (req.account) {
    const ordered = await db().acmeOrder.findFirst({ where: { accountId: req.account.id, certificateId: cert.id }, select: { id: true } });
    if (!ordered) throw new AcmeProblem("unauthorized", "this account did not order that certificate; sign with the certificate's key instead", 403);
    actor = accountActor(req.account.id);
  } else {
    if (cert.issuerId !== issuer.id) throw new AcmeProblem("malformed", "this CA did not issue that certificate", 404);
    const spki = createPublicKey({ key: req.jwk, format: "jwk" } as Parameters<typeof createPublicKey>[0]).export({ type: "spki", format: "der" });
    if (spkiSha256Hex(spki) !== cert.spkiSha256) throw new AcmeProblem("unauthorized", "the JWS key is not the certificate's key", 403);
    actor = { kind: "device", name: `acme:key-of:${cert.issuer.name}#${cert.serial}`, role: "operator" };
  }
  if (cert.status === "revoked") throw new AcmeProblem("alreadyRevoked", `serial ${cert.serial} is already revoked`);
  try {
    await startRevocation(actor, { issuer: cert.issuer.name, serial: cert.serial, reason, order: "renew-first", exclude: cert.notAfter > new Date() ? [cert.serial] : [] });
  } catch (e) {
    if (e instanceof ConflictError) throw new AcmeProblem("alreadyRevoked", e.message);
    throw e;
  }
}
