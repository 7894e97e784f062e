import { db, type Tx } from "../db";
import { ctx, DerError, parseDer, readInteger, TAG } from "../pki/der";
import { decodeExtension, readExtensions } from "../pki/extensions";
import { AcmeProblem } from "./problem";

/**
 * ACME Renewal Information (RFC 9773): when a client should renew. Normally the last
 * third of the validity; "now" when the certificate has an open renewal request (a
 * renew-first prefix revocation or the expiry sweep waits for it), so ACME clients that
 * read ARI renew by themselves and the revocation completes as they do; in the past
 * when the certificate is already revoked or superseded.
 */

const AKI_OID = "2.5.29.35";
const HOUR = 3600_000;
/** How far back "now" starts: a client whose clock is a little slow still sees it as due. */
const NOW_SLACK_MS = 5 * 60_000;
/** Retry-After normally, and while a revocation of the issuer waits for renewals. */
export const RETRY_AFTER_SECONDS = 6 * 3600;
export const RETRY_AFTER_PENDING_SECONDS = 300;

/** RFC 9773 4.1: base64url(AKI keyIdentifier) "." base64url(serial's DER content octets), unpadded. */
export function certIdOf(certDer: Uint8Array): string {
  const { aki, serial } = certIdParts(certDer);
  return `${Buffer.from(aki).toString("base64url")}.${Buffer.from(serial).toString("base64url")}`;
}

function certIdParts(certDer: Uint8Array): { aki: Uint8Array; serial: Uint8Array } {
  // Only the two fields, read straight from the DER: the full parser's date checks are not
  // the point here (RFC 9773's own example certificate is valid from year 1).
  const tbs = parseDer(certDer).expect(TAG.SEQUENCE, "Certificate").children()[0]?.expect(TAG.SEQUENCE, "TBSCertificate").children() ?? [];
  const serialD = tbs[tbs[0]?.tag === ctx(0) ? 1 : 0];
  if (!serialD) throw new DerError("TBSCertificate: serialNumber is missing");
  readInteger(serialD, "serialNumber"); // checks it is a minimal INTEGER
  const exts = tbs.find((d) => d.tag === ctx(3))?.children()[0];
  const akiExt = exts ? readExtensions(exts).find((e) => e.oid === AKI_OID) : undefined;
  const decoded = akiExt ? decodeExtension(akiExt.oid, akiExt.critical, akiExt.value) : undefined;
  const keyId = decoded?.name === "authorityKeyIdentifier" ? decoded.keyId : null;
  if (!keyId) throw new DerError("the certificate has no authority key identifier (keyIdentifier), which ARI needs");
  return { aki: Buffer.from(keyId, "hex"), serial: serialD.content };
}

function akiOf(der: Uint8Array): Buffer | null {
  try {
    return Buffer.from(certIdParts(der).aki);
  } catch {
    return null;
  }
}

const B64URL = /^[A-Za-z0-9_-]+$/;

function parseCertId(certId: string): { aki: Buffer; serial: bigint } {
  const parts = typeof certId === "string" ? certId.split(".") : [];
  if (parts.length !== 2 || !parts.every((p) => B64URL.test(p)) || certId.length > 200) {
    throw new AcmeProblem("malformed", "a renewalInfo certificate identifier is base64url(AKI keyIdentifier) \".\" base64url(serial), without padding (RFC 9773 4.1)");
  }
  const serialBytes = Buffer.from(parts[1], "base64url");
  // RFC 5280 4.1.2.2: at most 20 octets.
  if (serialBytes.length < 1 || serialBytes.length > 20) throw new AcmeProblem("malformed", "the serial part of the certificate identifier is not a serial number of at most 20 octets");
  let serial: bigint;
  try {
    serial = readInteger(parseDer(Buffer.concat([Buffer.from([TAG.INTEGER, serialBytes.length]), serialBytes])), "serial");
  } catch {
    throw new AcmeProblem("malformed", "the serial part of the certificate identifier is not a DER INTEGER's content");
  }
  if (serial <= 0n) throw new AcmeProblem("malformed", "the serial part of the certificate identifier is not a positive serial number");
  return { aki: Buffer.from(parts[0], "base64url"), serial };
}

/** The issuer's certificate a certificate identifier names (its serial and its own AKI must match), or null. */
export async function certificateForCertId(tx: Tx, issuerId: string, certId: string): Promise<{ id: string; serial: bigint } | null> {
  const { aki, serial } = parseCertId(certId);
  const cert = await tx.certificate.findUnique({ where: { issuerId_serial: { issuerId, serial } }, select: { id: true, serial: true, der: true } });
  // Compared with the certificate's own AKI, not the issuer's current key: a CA whose root
  // key changed (a rotation run) still answers for certificates its old key signed.
  if (!cert || !akiOf(cert.der)?.equals(aki)) return null;
  return { id: cert.id, serial: cert.serial };
}

export interface SuggestedWindow {
  start: Date;
  end: Date;
}

/**
 * The window, pure: normal = the last third of the validity, ending a little before
 * notAfter; due = from just before now to an hour from now, or to the renewal deadline
 * when that comes sooner; past = it ended before now.
 */
export function suggestedWindow(c: { notBefore: Date; notAfter: Date; status: string }, pending: { deadline: Date | null } | null, now: Date): SuggestedWindow {
  if (c.status !== "valid") return { start: new Date(now.getTime() - 2 * HOUR), end: new Date(now.getTime() - HOUR) };
  if (pending) {
    const start = new Date(now.getTime() - NOW_SLACK_MS);
    const soon = now.getTime() + HOUR;
    const end = pending.deadline && pending.deadline.getTime() < soon ? pending.deadline.getTime() : soon;
    // A deadline already passed still needs end > start (RFC 9773 4.2): then renew at once.
    return { start, end: new Date(Math.max(end, start.getTime() + 60_000)) };
  }
  const from = c.notBefore.getTime();
  const lifetime = c.notAfter.getTime() - from;
  const margin = Math.min(24 * HOUR, lifetime / 12);
  return { start: new Date(from + (2 * lifetime) / 3), end: new Date(c.notAfter.getTime() - margin) };
}

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

/** The renewalInfo response for a certificate of the issuer; an unknown one is a 404 problem. */
export async function renewalInfoFor(issuerId: string, certId: string, now: Date = new Date()): Promise<{ body: { suggestedWindow: { start: string; end: string }; explanationURL?: string }; retryAfterSeconds: number }> {
  const found = await certificateForCertId(db(), issuerId, certId);
  if (!found) throw new AcmeProblem("malformed", "this CA has no certificate with that identifier", 404);
  const [cert, pending, pendingOnIssuer] = await Promise.all([
    db().certificate.findUniqueOrThrow({ where: { id: found.id }, select: { notBefore: true, notAfter: true, status: true } }),
    db().renewalRequest.findFirst({ where: { certificateId: found.id, status: "pending", revocation: { status: "pending" } }, select: { revocation: { select: { deadline: true } } } }),
    db().revocation.count({ where: { issuerId, status: "pending" } }),
  ]);
  const w = suggestedWindow(cert, pending ? { deadline: pending.revocation.deadline } : null, now);
  return {
    body: { suggestedWindow: { start: iso(w.start), end: iso(w.end) } },
    // While a revocation waits, clients look again soon: their certificate may be next.
    retryAfterSeconds: pendingOnIssuer > 0 ? RETRY_AFTER_PENDING_SECONDS : RETRY_AFTER_SECONDS,
  };
}
