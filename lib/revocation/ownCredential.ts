import type { Actor } from "../auth/actor";
import { issueCertificate } from "../certificates/issue";
import { requestWithGeneratedKey } from "../certificates/request";
import { db } from "../db";
import { formatSans, parseSans } from "../pki/san";
import { unsealCertificateKey } from "../secrets/keys";
import { issuerByName } from "../store/state";
import { renewalIssuer } from "./move";
import { renewGeneratedKey } from "./renewal";

/**
 * Rootline's own server certificates (the TLS repository's, the app's HTTPS listener's):
 * ordinary certificates of a Rootline CA with a key Rootline generates and seals, so they
 * are subject to the RN and to prefix revocations like any other. Kept current here:
 * renewed when a prefix revocation asks for it (the renewal request is settled), when it
 * fell below the RN, when the configured names changed, or a month before it expires.
 */
const RENEW_BEFORE_MS = 30 * 86_400_000;

export interface OwnCertificateSpec {
  issuer: string;
  /** Who the audit log names: the service the certificate is for. */
  actor: Actor;
  subject: string;
  /** "server", or an internal profile ("repository"). */
  profile: string;
  /** "DNS:…", "IP:…" — the certificate is replaced when they change. */
  sans: readonly string[];
  /** A further condition on the current certificate (e.g. an EKU devices now require); else it is replaced. */
  fits?: (der: Uint8Array) => boolean;
  /**
   * Stay with the configured issuer: no generation move, no renewal requests, and a new
   * certificate even after its generation was revoked. The download server's: CA n-1 signs
   * it for the devices that trust only n-1 (moves leave it out, lib/generations/moves.ts).
   */
  pinned?: boolean;
}

export interface OwnCredential {
  serial: bigint;
  certDer: Uint8Array;
  keyPkcs8: Uint8Array;
  /** The issuer that signed it: the configured one, or its next generation after a move (the chain to send). */
  issuerId: string;
}

/**
 * The current certificate and key for `spec`, issued or renewed first when needed. After a
 * generation move (lib/revocation/move.ts) the configured issuer's successor signs: its
 * certificates count as current, and new ones come from it.
 */
export async function ensureOwnCredential(spec: OwnCertificateSpec, now = new Date()): Promise<OwnCredential> {
  const sans = formatSans(parseSans(spec.sans, "names"));
  const configured = await issuerByName(db(), spec.issuer, { id: true, name: true });
  const signerId = spec.pinned ? configured.id : (await renewalIssuer(db(), configured)).id;
  const signer = await db().issuer.findUniqueOrThrow({ where: { id: signerId }, select: { id: true, name: true, revocationNumber: true, notAfter: true } });
  const ours = { issuerId: { in: [...new Set([configured.id, signer.id])] }, profile: spec.profile, subject: spec.subject, sans };
  // Asked to renew (a prefix revocation, the sweep, a generation move): the replacement settles
  // the request, so the revocation can complete. The certificate may be the revoked target itself.
  const unexpired = await db().certificate.findMany({ where: { ...ours, status: { not: "superseded" }, notAfter: { gt: now } }, select: { id: true, issuer: { select: { name: true } } } });
  const asked = spec.pinned ? null : await db().renewalRequest.findFirst({ where: { certificateId: { in: unexpired.map((c) => c.id) }, status: "pending", revocation: { status: "pending" } }, orderBy: { serial: "desc" }, select: { serial: true, certificateId: true } });
  if (asked) {
    const of = unexpired.find((c) => c.id === asked.certificateId)!.issuer.name;
    return load((await renewGeneratedKey(spec.actor, { issuer: of, serial: asked.serial, now })).replacement.id);
  }
  const current = await db().certificate.findFirst({ where: { ...ours, issuerId: signer.id, status: "valid", sealedKey: { not: null } }, orderBy: { serial: "desc" }, select: { id: true, serial: true, der: true, notAfter: true } });
  // Renew a month ahead, but never chase the CA's own end (certificates stop there).
  const renewAt = Math.min(signer.notAfter.getTime(), now.getTime() + RENEW_BEFORE_MS);
  if (current && current.serial >= signer.revocationNumber && current.notAfter.getTime() >= renewAt && (!spec.fits || spec.fits(current.der))) return load(current.id);
  const req = await requestWithGeneratedKey({ subject: spec.subject, keyType: "ec-p256", profile: spec.profile, sans: [...spec.sans] }, { internal: true });
  return load((await issueCertificate(spec.actor, signer.name, req, { now, revokedGenerationMayIssue: spec.pinned })).id);
}

async function load(id: string): Promise<OwnCredential> {
  const c = await db().certificate.findUniqueOrThrow({ where: { id }, select: { issuerId: true, serial: true, der: true, sealedKey: true } });
  return { serial: c.serial, certDer: c.der, keyPkcs8: unsealCertificateKey({ ...c, sealedKey: c.sealedKey! }), issuerId: c.issuerId };
}

/**
 * Re-checks the credential every `everyMs` and hands a renewed one to `install` (which
 * swaps it into the running listener). Returns what stops the timer.
 */
export function refreshOwnCredential(spec: OwnCertificateSpec, from: OwnCredential, install: (c: OwnCredential) => void, everyMs: number, label: string): () => void {
  let serial = from.serial;
  const timer = setInterval(() => {
    ensureOwnCredential(spec)
      .then((next) => {
        if (next.serial === serial) return;
        serial = next.serial;
        install(next);
      })
      .catch((err) => console.error(`rootline: ${label} certificate refresh failed:`, err));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
