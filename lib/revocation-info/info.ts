import { parseCertificate, type Certificate } from "../pki/certificate";
import { DerError } from "../pki/der";
import { InputError } from "../errors";
import { createIssuerSigner, type IssuerSigner } from "../pki/issue";
import { spkiSha256Hex, type KeyType, type PrivateKeyInput } from "../pki/keys";
import { signatureScheme, verifySignature } from "../pki/signature";
import {
  MAX_REVOCATION_INFO_BYTES,
  decodeSignedRevocationInfo,
  encodeRevocationInfo,
  encodeSignedRevocationInfo,
  issuerNameProblem,
  revocationNumberProblem,
  type DecodedSignedRevocationInfo,
} from "./infoDer";
import { decodeRevocationInfoJson, toRevocationInfoJson, type RevocationInfoJson } from "./infoJson";

/**
 * Signed revocation information, SPEC 2.2 first form: `{issuer, revocationNumber}`
 * signed with the issuer's CA key. It is self-authenticating, so any mirror, CDN or
 * plain-HTTP server may carry it. Encoding: infoDer.ts (DER) and infoJson.ts (JSON);
 * the specification for firmware writers is docs/REVOCATION_INFO.md.
 */

export { encodeRevocationInfo, MAX_REVOCATION_INFO_BYTES, type RevocationInfoJson };
export type { RevocationInfoFields } from "./infoDer";

export interface SignRevocationInfoOptions {
  /** The issuer's name in Rootline (the `{issuer}` of the repository URLs). */
  issuerName: string;
  /** The CA certificate whose key signs. */
  issuerCertDer: Uint8Array;
  privateKey: PrivateKeyInput;
  /** When given, must match the CA key. */
  keyType?: KeyType;
  revocationNumber: bigint;
}

export interface SignedRevocationInfo {
  /** The compact form, `application/octet-stream` (served as `.../revocation-info.der`). */
  der: Uint8Array;
  /** The JSON form (served as `.../revocation-info`). Same tbs, same signature. */
  json: RevocationInfoJson;
}

export function signRevocationInfo(o: SignRevocationInfoOptions): SignedRevocationInfo {
  // The signer checks that the certificate is a CA and that the private key is its key.
  const signer = createIssuerSigner({ certDer: o.issuerCertDer, privateKey: o.privateKey, keyType: o.keyType });
  const tbs = revocationInfoTbs(signer, o);
  return assembleRevocationInfo(signer, tbs, signer.sign(tbs));
}

/** signRevocationInfo with the issuer's signer (lib/certificates/signers.ts), a CA key in a PKCS#11 token included. */
export async function signRevocationInfoWith(signer: IssuerSigner, o: { issuerName: string; revocationNumber: bigint }): Promise<SignedRevocationInfo> {
  const tbs = revocationInfoTbs(signer, o);
  return assembleRevocationInfo(signer, tbs, await signer.signAsync(tbs));
}

function revocationInfoTbs(signer: IssuerSigner, o: { issuerName: string; revocationNumber: bigint }): Buffer {
  const nameProblem = issuerNameProblem(o.issuerName);
  if (nameProblem) throw new InputError("issuerName", nameProblem);
  const rnProblem = revocationNumberProblem(o.revocationNumber);
  if (rnProblem) throw new InputError("revocationNumber", rnProblem);
  return encodeRevocationInfo({
    issuerName: o.issuerName,
    issuerKeySha256: Buffer.from(spkiSha256Hex(signer.certificate.spki), "hex"),
    revocationNumber: o.revocationNumber,
  });
}

function assembleRevocationInfo(signer: IssuerSigner, tbs: Uint8Array, signature: Uint8Array): SignedRevocationInfo {
  const der = new Uint8Array(encodeSignedRevocationInfo(tbs, signer.scheme.algorithmIdentifier, signature));
  const decoded = decodeSignedRevocationInfo(der);
  return { der, json: toRevocationInfoJson(decoded, signer.scheme.name) };
}

/** DER bytes, JSON text (string or UTF-8 bytes starting with "{"), or the parsed JSON object. */
export type RevocationInfoInput = Uint8Array | string | RevocationInfoJson | Record<string, unknown>;

export type RevocationInfoError = "malformed" | "wrong-issuer" | "bad-signature";

export type ParsedRevocationInfo = { ok: true; form: "der" | "json"; value: DecodedSignedRevocationInfo } | { ok: false; error: "malformed"; detail: string };

export type VerifyRevocationInfoResult =
  | { ok: true; form: "der" | "json"; issuer: string; issuerKeySha256: string; revocationNumber: bigint }
  | { ok: false; error: RevocationInfoError; detail: string };

const isJsonStart = (b: number): boolean => b === 0x7b; // "{"
const isSpace = (b: number): boolean => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

/** Decodes either form strictly. Verifies nothing: see verifyRevocationInfo. */
export function parseRevocationInfo(input: RevocationInfoInput): ParsedRevocationInfo {
  try {
    if (input instanceof Uint8Array) {
      if (input.length > MAX_REVOCATION_INFO_BYTES) throw new DerError(`larger than ${MAX_REVOCATION_INFO_BYTES} bytes`);
      if (input[0] === 0x30) return { ok: true, form: "der", value: decodeSignedRevocationInfo(input) };
      let i = 0;
      while (i < input.length && isSpace(input[i])) i++;
      if (i < input.length && isJsonStart(input[i])) return parseJsonText(Buffer.from(input).toString("utf8"));
      throw new DerError("neither DER (starts with 0x30) nor JSON (starts with '{')");
    }
    if (typeof input === "string") return parseJsonText(input);
    if (input && typeof input === "object") return { ok: true, form: "json", value: decodeRevocationInfoJson(input) };
    throw new DerError("no revocation information");
  } catch (e) {
    if (e instanceof DerError) return { ok: false, error: "malformed", detail: e.message };
    throw e;
  }
}

function parseJsonText(text: string): ParsedRevocationInfo {
  if (Buffer.byteLength(text, "utf8") > MAX_REVOCATION_INFO_BYTES) throw new DerError(`larger than ${MAX_REVOCATION_INFO_BYTES} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new DerError("not valid JSON");
  }
  return { ok: true, form: "json", value: decodeRevocationInfoJson(value) };
}

function certificateOf(ca: Uint8Array | string | Certificate): Certificate {
  const cert = ca instanceof Uint8Array || typeof ca === "string" ? parseCertificate(ca, "caCertificate") : ca;
  if (!cert.keyType) throw new InputError("caCertificate", "the CA certificate's key type is not supported");
  return cert;
}

/**
 * Verifies revocation information against one CA certificate, in the order of
 * docs/REVOCATION_INFO.md: strict decoding (`malformed`), the issuer key hash
 * (`wrong-issuer`), the algorithm the CA key requires and the signature
 * (`bad-signature`). A CA certificate that cannot be used throws InputError: that is
 * the caller's configuration, not the fetched data.
 * With `expectedIssuerName` (the issuer the device asked about), a statement naming
 * another issuer is `wrong-issuer`: a mirror must not answer for A with B's statement.
 */
export function verifyRevocationInfo(input: RevocationInfoInput, caCert: Uint8Array | string | Certificate, expectedIssuerName?: string): VerifyRevocationInfoResult {
  const ca = certificateOf(caCert);
  const parsed = parseRevocationInfo(input);
  if (!parsed.ok) return parsed;
  const { fields, tbs, algorithmDer, signature } = parsed.value;
  if (expectedIssuerName !== undefined && fields.issuerName !== expectedIssuerName) {
    return { ok: false, error: "wrong-issuer", detail: `the statement is for issuer "${fields.issuerName}", not "${expectedIssuerName}"` };
  }
  const caKeyHash = spkiSha256Hex(ca.spki);
  const claimed = Buffer.from(fields.issuerKeySha256).toString("hex");
  if (claimed !== caKeyHash) return { ok: false, error: "wrong-issuer", detail: `signed for CA key ${claimed}, this CA's key is ${caKeyHash}` };
  // One algorithm per CA key type (see docs): refusing any other closes algorithm substitution.
  const scheme = signatureScheme(ca.keyType as KeyType);
  if (!Buffer.from(algorithmDer).equals(scheme.algorithmIdentifier)) {
    return { ok: false, error: "bad-signature", detail: `the CA's ${ca.keyType} key signs with ${scheme.name} only` };
  }
  let valid: boolean;
  try {
    valid = verifySignature(scheme.oid, ca.spki, tbs, signature);
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, error: "bad-signature", detail: "the signature does not verify with the CA key" };
  return { ok: true, form: parsed.form, issuer: fields.issuerName, issuerKeySha256: caKeyHash, revocationNumber: fields.revocationNumber };
}
