import { parseCertificateDer, verifyCertificateSignature, type Certificate } from "../pki/certificate";
import { InputError } from "../errors";
import { OID } from "../pki/oids";
import { formatSan } from "../pki/san";
import { certificateMatchesHost } from "./hostname";
import { findCasByName, type DeviceState, type TrustedCa } from "./state";

/**
 * Judging a server certificate the way the seed's terminal does (FIG. 18), in this
 * order:
 *   1. find the CA by the certificate's issuer Name      → `unknown-issuer`
 *   2. verify the signature with that CA's public key    → `signature`
 *   3. serial >= the CA's stored revocation number       → `revoked`
 * There is NO validity-date check: devices have no clock; the revocation number,
 * raised by the CA's expiry sweep, is what retires old certificates (SPEC 2.1).
 *
 * Then what the certificate is for (code `purpose`), beyond the seed's terminal: a CA
 * certificate's every certificate is signed by the same key, so chain and serial alone
 * would let a device's own client certificate pose as a server. A server must carry
 * the serverAuth extended key usage; the bare-RN repository must also carry Rootline's
 * repository marker (lib/pki/oids.ts `rootlineRepository`), which only the repository
 * profile writes and no request can ask for. A CA certificate is never a server.
 * With `host`, the certificate must name it (RFC 6125, SAN only, no CN fallback) → `hostname`.
 *
 * Names are compared byte for byte (Rootline copies the CA's subject bytes into every
 * issuer field). Several trusted CAs may share a name (e.g. generations); the one whose
 * key verifies the signature is the issuer. A certificate that cannot be parsed at all
 * gets `malformed`.
 */

export type JudgeCode = "unknown-issuer" | "signature" | "revoked" | "purpose" | "hostname" | "malformed";

export interface JudgeOptions {
  /** "server" (default): serverAuth required; "repository": the repository marker too. */
  role?: "server" | "repository";
  /** The host name or IP the device connected to; when given, a SAN must match it. */
  host?: string;
}

export type Judgement =
  | { valid: true; ca: TrustedCa; certificate: Certificate }
  | { valid: false; code: JudgeCode; detail: string; certificate?: Certificate; ca?: TrustedCa };

export async function judgeServerCertificate(state: DeviceState, certDer: Uint8Array, o: JudgeOptions = {}): Promise<Judgement> {
  let certificate: Certificate;
  try {
    certificate = parseCertificateDer(certDer, "serverCertificate");
  } catch (e) {
    if (e instanceof InputError) return { valid: false, code: "malformed", detail: e.message };
    throw e;
  }
  const candidates = findCasByName(state, certificate.issuerDer);
  if (candidates.length === 0) return { valid: false, code: "unknown-issuer", detail: `no trusted CA named ${certificate.issuer}`, certificate };

  let ca: TrustedCa | undefined;
  for (const c of candidates) {
    if (await signedBy(certificate, c)) {
      ca = c;
      break;
    }
  }
  if (!ca) return { valid: false, code: "signature", detail: `the signature does not verify with the key of ${certificate.issuer}`, certificate };

  if (certificate.serial < ca.revocationNumber) {
    return { valid: false, code: "revoked", detail: `serial ${certificate.serial} is below the revocation number ${ca.revocationNumber}`, certificate, ca };
  }
  const purpose = purposeProblem(certificate, o.role ?? "server");
  if (purpose) return { valid: false, code: "purpose", detail: purpose, certificate, ca };
  if (o.host !== undefined && !certificateMatchesHost(certificate, o.host)) {
    const names = certificate.sans.map(formatSan).join(", ") || "no subject alternative names";
    return { valid: false, code: "hostname", detail: `the certificate does not name ${o.host} (it has ${names}; the CN is not used)`, certificate, ca };
  }
  return { valid: true, ca, certificate };
}

function purposeProblem(cert: Certificate, role: "server" | "repository"): string | null {
  if (cert.isCa) return "a CA certificate is not a server certificate";
  const eku = cert.extensions.find((e) => e.name === "extKeyUsage");
  const usages = eku?.name === "extKeyUsage" ? eku.usages : [];
  if (!usages.includes("serverAuth")) return `the certificate is not for TLS servers (extended key usage ${usages.join(", ") || "absent"}; serverAuth is required)`;
  if (role === "repository" && !usages.includes("rootlineRepository")) {
    return `the certificate is not the repository's (its extended key usage lacks Rootline's repository marker ${OID.rootlineRepository})`;
  }
  return null;
}

async function signedBy(cert: Certificate, ca: TrustedCa): Promise<boolean> {
  try {
    return await verifyCertificateSignature(cert, ca.certificate);
  } catch (e) {
    // A refused algorithm (SHA-1, PSS, …) or one that does not fit the CA key: not signed by it.
    if (e instanceof InputError) return false;
    throw e;
  }
}
