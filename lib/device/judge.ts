import { parseCertificateDer, verifyCertificateSignature, type Certificate } from "../pki/certificate";
import { InputError } from "../pki/errors";
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
 * Names are compared byte for byte (Rootline copies the CA's subject bytes into every
 * issuer field). Several trusted CAs may share a name (e.g. generations); the one whose
 * key verifies the signature is the issuer. A certificate that cannot be parsed at all
 * gets `malformed`.
 */

export type JudgeCode = "unknown-issuer" | "signature" | "revoked" | "malformed";

export type Judgement =
  | { valid: true; ca: TrustedCa; certificate: Certificate }
  | { valid: false; code: JudgeCode; detail: string; certificate?: Certificate; ca?: TrustedCa };

export async function judgeServerCertificate(state: DeviceState, certDer: Uint8Array): Promise<Judgement> {
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
  return { valid: true, ca, certificate };
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
