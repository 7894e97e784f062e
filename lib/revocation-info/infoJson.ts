import { z } from "zod";
import { DerError } from "../pki/der";
import { KEY_TYPES } from "../pki/keys";
import { signatureScheme } from "../pki/signature";
import { MAX_REVOCATION_INFO_BYTES, decodeRevocationInfo, type DecodedSignedRevocationInfo } from "./infoDer";

/**
 * The JSON form of revocation information. It carries the signed DER bytes (`tbs`)
 * themselves, so a verifier never re-encodes anything: it checks the signature over
 * the base64-decoded `tbs`, and the readable fields (`issuer`, `revocationNumber`,
 * `issuerKeySha256`) must say exactly what `tbs` says, or the document is malformed.
 */
export interface RevocationInfoJson {
  version: 1;
  issuer: string;
  /** Lower-case hex SHA-256 of the CA certificate's SubjectPublicKeyInfo. */
  issuerKeySha256: string;
  /** A JSON number up to 2^53 - 1; a decimal string above (JSON numbers lose precision there). */
  revocationNumber: number | string;
  /** "ecdsa-with-SHA256" | "ecdsa-with-SHA384" | "sha256WithRSAEncryption" */
  algorithm: string;
  /** base64 of the RevocationInfo DER: the signed bytes. */
  tbs: string;
  /** base64 of the signature (for ECDSA the DER Ecdsa-Sig-Value, as in X.509). */
  signature: string;
}

/** The signature algorithms Rootline signs with, by name, with their AlgorithmIdentifier DER. */
const ALGORITHMS = new Map(KEY_TYPES.map((t) => signatureScheme(t)).map((s) => [s.name, s] as const));

const base64 = z
  .string()
  .max(MAX_REVOCATION_INFO_BYTES)
  // Canonical base64 only (padding, no whitespace, zero pad bits), so one value has one spelling.
  .refine((s) => s.length > 0 && s.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(s) && Buffer.from(s, "base64").toString("base64") === s, "not canonical base64");

const JsonSchema = z.strictObject({
  version: z.literal(1),
  issuer: z.string(),
  issuerKeySha256: z.string().regex(/^[0-9a-f]{64}$/),
  revocationNumber: z.union([z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), z.string().regex(/^(0|[1-9][0-9]{0,59})$/)]),
  algorithm: z.string(),
  tbs: base64,
  signature: base64,
});

export function revocationNumberToJson(rn: bigint): number | string {
  return rn <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(rn) : rn.toString(10);
}

export function toRevocationInfoJson(d: DecodedSignedRevocationInfo, algorithmName: string): RevocationInfoJson {
  return {
    version: 1,
    issuer: d.fields.issuerName,
    issuerKeySha256: Buffer.from(d.fields.issuerKeySha256).toString("hex"),
    revocationNumber: revocationNumberToJson(d.fields.revocationNumber),
    algorithm: algorithmName,
    tbs: Buffer.from(d.tbs).toString("base64"),
    signature: Buffer.from(d.signature).toString("base64"),
  };
}

/** Decodes the JSON form strictly (throws DerError, the same as a malformed DER form). */
export function decodeRevocationInfoJson(value: unknown): DecodedSignedRevocationInfo {
  const r = JsonSchema.safeParse(value);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new DerError(`JSON form: ${i.path.join(".") || "document"}: ${i.message}`);
  }
  const j = r.data;
  const scheme = ALGORITHMS.get(j.algorithm);
  if (!scheme) throw new DerError(`JSON form: unknown algorithm "${j.algorithm}"`);
  const tbs = new Uint8Array(Buffer.from(j.tbs, "base64"));
  const fields = decodeRevocationInfo(tbs);
  // The readable copies must agree with the signed bytes, or a human could be shown one
  // RN while the device acts on another.
  if (j.issuer !== fields.issuerName) throw new DerError("JSON form: issuer differs from tbs");
  if (j.issuerKeySha256 !== Buffer.from(fields.issuerKeySha256).toString("hex")) throw new DerError("JSON form: issuerKeySha256 differs from tbs");
  if (BigInt(j.revocationNumber) !== fields.revocationNumber) throw new DerError("JSON form: revocationNumber differs from tbs");
  if (typeof j.revocationNumber === "string" && fields.revocationNumber <= BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new DerError("JSON form: revocationNumber must be a number up to 2^53 - 1");
  }
  return { fields, tbs, algorithmDer: scheme.algorithmIdentifier, algorithmOid: scheme.oid, signature: new Uint8Array(Buffer.from(j.signature, "base64")) };
}
