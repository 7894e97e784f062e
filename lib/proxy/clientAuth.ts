/**
 * Certificates met by the proxy: a client's (presented to the proxy over --client-tls) and
 * an upstream's. Both must be issued directly by one of the configured CA certificates
 * (issuer name bytes equal and the CA key verifies the signature: lib/pki), be within
 * their dates (unlike a device, the proxy has a clock), carry the right extended key usage
 * and not be revoked according to the issuer's IssuerRevocation. TLS has already proved
 * the peer holds the certificate's key (CertificateVerify / signed key exchange).
 * A client's certificate is only judged here; it is never sent anywhere.
 */
import { InputError } from "../errors";
import { certificateMatchesHost } from "../device/hostname";
import { parseCertificateChain, parseCertificateDer, verifyCertificateSignature, type Certificate } from "../pki/certificate";
import { formatSan } from "../pki/san";
import type { IssuerRevocation } from "./revocation";

export type CertVerdict =
  | { ok: true; certificate: Certificate }
  | { ok: false; kind: "revoked" | "unverified"; reason: string; certificate: Certificate | null };

export interface CertJudge {
  /** The CA certificates (one file may hold several, e.g. generations sharing a name). */
  cas: Certificate[];
  revocation: IssuerRevocation;
  usage: "serverAuth" | "clientAuth";
  /** For servers: the name the certificate must carry (RFC 6125, SANs only). */
  host?: string;
  now?: () => Date;
}

/** Reads a CA file (PEM bundle or one DER certificate); every certificate must be a CA. */
export function loadCaCertificates(bytes: Uint8Array, field: string): Certificate[] {
  const text = Buffer.from(bytes).toString("latin1");
  const cas = text.includes("-----BEGIN") ? parseCertificateChain(text, field) : [parseCertificateDer(bytes, field)];
  if (cas.length === 0) throw new InputError(field, `${field} holds no certificate`);
  for (const c of cas) if (!c.isCa) throw new InputError(field, `${field}: ${c.subject} is not a CA certificate`);
  return cas;
}

async function issuerOf(cert: Certificate, cas: Certificate[]): Promise<Certificate | null> {
  for (const ca of cas) {
    if (Buffer.compare(Buffer.from(ca.subjectDer), Buffer.from(cert.issuerDer)) !== 0) continue;
    try {
      if (await verifyCertificateSignature(cert, ca)) return ca;
    } catch (e) {
      if (!(e instanceof InputError)) throw e; // a refused algorithm: not signed by this CA
    }
  }
  return null;
}

/** Judges a leaf certificate (DER as TLS delivered it). Never throws for a bad certificate. */
export async function judgeCertificate(der: Uint8Array | null | undefined, j: CertJudge): Promise<CertVerdict> {
  const who = j.usage === "serverAuth" ? "the upstream" : "the client";
  if (!der || der.length === 0) return { ok: false, kind: "unverified", reason: `${who} sent no certificate`, certificate: null };
  let cert: Certificate;
  try {
    cert = parseCertificateDer(der, "peerCertificate");
  } catch (e) {
    return { ok: false, kind: "unverified", reason: `${who}'s certificate is malformed: ${(e as Error).message}`, certificate: null };
  }
  const bad = (reason: string): CertVerdict => ({ ok: false, kind: "unverified", reason, certificate: cert });
  const ca = await issuerOf(cert, j.cas);
  if (!ca) return bad(`${who}'s certificate (${cert.subject}, issuer ${cert.issuer}) is not signed by the configured CA`);
  const now = (j.now ?? (() => new Date()))();
  if (now < cert.notBefore) return bad(`${who}'s certificate is not valid before ${cert.notBefore.toISOString()}`);
  if (now > cert.notAfter) return bad(`${who}'s certificate expired at ${cert.notAfter.toISOString()}`);
  if (cert.isCa) return bad(`${who} presented a CA certificate`);
  const eku = cert.extensions.find((e) => e.name === "extKeyUsage");
  const usages: string[] = eku?.name === "extKeyUsage" ? eku.usages : [];
  if (!usages.includes(j.usage)) return bad(`${who}'s certificate lacks the ${j.usage} extended key usage (has ${usages.join(", ") || "none"})`);
  if (j.host !== undefined && !certificateMatchesHost(cert, j.host)) {
    return bad(`${who}'s certificate does not name ${j.host} (it has ${cert.sans.map(formatSan).join(", ") || "no subject alternative names"})`);
  }
  const r = j.revocation.check(cert.serial);
  if (r.revoked) return { ok: false, kind: "revoked", reason: `serial ${cert.serial}: ${r.reason}`, certificate: cert };
  if (r.unverified) return { ok: false, kind: "unverified", reason: `serial ${cert.serial}: no current revocation data (${r.reason})`, certificate: cert };
  return { ok: true, certificate: cert };
}

/** What the policy sees of a client. */
export function clientSubject(cert: Certificate | null): { subject: string | null; commonName: string | null; sans: string[] } {
  if (!cert) return { subject: null, commonName: null, sans: [] };
  return { subject: cert.subject, commonName: cert.commonName, sans: cert.sans.map((s) => s.value) };
}
