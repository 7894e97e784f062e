import { DerError, TAG, bitString, integer, octetString, parseDer, readBitString, readInteger, readString, seq, utf8String, type Der } from "../pki/der";
import { readSignatureAlgorithm } from "../pki/signature";

/**
 * The byte encoding of revocation information (SPEC 2.2, first form). The ASN.1
 * module, byte layout and verification steps are in docs/REVOCATION_INFO.md; this file
 * is its executable form, and the doc's worked example is checked against it by a test.
 *
 *   RevocationInfo ::= SEQUENCE {
 *     version           INTEGER (1),
 *     issuerKeySha256   OCTET STRING (SIZE (32)),  -- SHA-256 of the CA certificate's SubjectPublicKeyInfo DER
 *     issuerName        UTF8String (SIZE (1..200 bytes)),
 *     revocationNumber  INTEGER (0..2^159) }
 *
 *   SignedRevocationInfo ::= SEQUENCE {
 *     tbsRevocationInfo   RevocationInfo,
 *     signatureAlgorithm  AlgorithmIdentifier,
 *     signature           BIT STRING }
 *
 * Every field is mandatory and appears in this order, so the encoding of given values
 * is unique (DER): a decoder re-encodes what it read and requires identical bytes.
 */

export const REVOCATION_INFO_VERSION = 1n;
/** Neither form may exceed this (RSA-4096 needs about 800 bytes). */
export const MAX_REVOCATION_INFO_BYTES = 4096;
/** RN = (largest revoked serial) + 1 and serials are below 2^159 (RFC 5280: 20 octets). */
export const MAX_REVOCATION_NUMBER = 1n << 159n;
export const MAX_ISSUER_NAME_BYTES = 200;

export interface RevocationInfoFields {
  /** The issuer's name in Rootline (also the path segment of its repository URLs). */
  issuerName: string;
  /** SHA-256 of the CA certificate's SubjectPublicKeyInfo DER: how a device finds the CA key. */
  issuerKeySha256: Uint8Array;
  revocationNumber: bigint;
}

export interface DecodedSignedRevocationInfo {
  fields: RevocationInfoFields;
  /** The RevocationInfo TLV exactly as received: what the signature covers. */
  tbs: Uint8Array;
  /** The AlgorithmIdentifier TLV exactly as received. */
  algorithmDer: Uint8Array;
  algorithmOid: string;
  signature: Uint8Array;
}

const CONTROL_OR_SLASH = /[\u0000-\u001f\u007f-\u009f/]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why an issuer name is unusable, or null. Names are one URL path segment of visible text. */
export function issuerNameProblem(name: unknown): string | null {
  if (typeof name !== "string" || name.length === 0) return "the issuer name is empty";
  if (Buffer.byteLength(name, "utf8") > MAX_ISSUER_NAME_BYTES) return `the issuer name is longer than ${MAX_ISSUER_NAME_BYTES} bytes`;
  if (CONTROL_OR_SLASH.test(name) || LONE_SURROGATE.test(name)) return "the issuer name contains control characters, '/', or invalid Unicode";
  return null;
}

export function revocationNumberProblem(rn: unknown): string | null {
  if (typeof rn !== "bigint") return "the revocation number must be a bigint";
  if (rn < 0n || rn > MAX_REVOCATION_NUMBER) return "the revocation number must be between 0 and 2^159";
  return null;
}

/** The RevocationInfo DER (the bytes that get signed). Throws RangeError on values outside the ASN.1 constraints. */
export function encodeRevocationInfo(f: RevocationInfoFields): Buffer {
  const problem = issuerNameProblem(f.issuerName) ?? revocationNumberProblem(f.revocationNumber);
  if (problem) throw new RangeError(problem);
  if (!(f.issuerKeySha256 instanceof Uint8Array) || f.issuerKeySha256.length !== 32) throw new RangeError("issuerKeySha256 must be 32 bytes");
  return seq(integer(REVOCATION_INFO_VERSION), octetString(f.issuerKeySha256), utf8String(f.issuerName), integer(f.revocationNumber));
}

export function encodeSignedRevocationInfo(tbs: Uint8Array, algorithmIdentifier: Uint8Array, signature: Uint8Array): Buffer {
  return seq(tbs, algorithmIdentifier, bitString(signature));
}

function exactly(d: Der, n: number, what: string): Der[] {
  const c = d.expect(TAG.SEQUENCE, what).children();
  if (c.length !== n) throw new DerError(`${what} must have ${n} elements, found ${c.length}`);
  return c;
}

/** Decodes a RevocationInfo TLV strictly (throws DerError). */
export function decodeRevocationInfo(tbs: Uint8Array): RevocationInfoFields {
  const [v, keyHash, name, rn] = exactly(parseDer(tbs), 4, "RevocationInfo");
  const version = readInteger(v, "version");
  if (version !== REVOCATION_INFO_VERSION) throw new DerError(`unknown RevocationInfo version ${version}`);
  keyHash.expect(TAG.OCTET_STRING, "issuerKeySha256");
  if (keyHash.length !== 32) throw new DerError("issuerKeySha256 must be 32 bytes");
  name.expect(TAG.UTF8_STRING, "issuerName");
  const fields: RevocationInfoFields = {
    issuerKeySha256: keyHash.content,
    issuerName: readString(name, "issuerName"),
    revocationNumber: readInteger(rn, "revocationNumber"),
  };
  const problem = issuerNameProblem(fields.issuerName) ?? revocationNumberProblem(fields.revocationNumber);
  if (problem) throw new DerError(problem);
  // Belt and braces: the strict reader already refuses non-minimal forms; this pins
  // the one encoding there is, so no two byte strings carry the same statement.
  if (!encodeRevocationInfo(fields).equals(Buffer.from(tbs))) throw new DerError("RevocationInfo is not in canonical DER");
  return fields;
}

/** Decodes a SignedRevocationInfo strictly (throws DerError). Does not verify anything. */
export function decodeSignedRevocationInfo(der: Uint8Array): DecodedSignedRevocationInfo {
  if (der.length > MAX_REVOCATION_INFO_BYTES) throw new DerError(`larger than ${MAX_REVOCATION_INFO_BYTES} bytes`);
  const [tbsD, algD, sigD] = exactly(parseDer(der), 3, "SignedRevocationInfo");
  const fields = decodeRevocationInfo(tbsD.raw);
  const alg = readSignatureAlgorithm(algD, "signatureAlgorithm");
  const signature = readBitString(sigD, "signature").bytes;
  if (signature.length === 0) throw new DerError("empty signature");
  return { fields, tbs: tbsD.raw, algorithmDer: algD.raw, algorithmOid: alg.oid, signature };
}
