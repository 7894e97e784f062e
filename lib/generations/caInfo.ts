import nodeCrypto from "node:crypto";
import { z } from "zod";
import { parseCertificateDer, type Certificate } from "../pki/certificate";
import { DerError, TAG, bitString, ia5String, integer, parseDer, readBitString, readInteger, readString, seq, utf8String, type Der } from "../pki/der";
import { InputError } from "../errors";
import { keyTypeOfSpki, spkiOfPrivateKey, toKeyObject, type KeyType, type PrivateKeyInput } from "../pki/keys";
import { readSignatureAlgorithm, signWith, signatureScheme, verifySignature } from "../pki/signature";

/**
 * CONTRACT WITH THE DEVICE SIDE (helper G2, lib/device/generations/): this file is the
 * one codec of CA information (SPEC 3, seed 001). Its exported names and the bytes it
 * writes are fixed by docs/CA_INFORMATION.md (worked example re-verified by
 * caInfoDoc.test.ts); change neither without changing both sides.
 *
 * CA information n = { lineage name, generation n, CA certificate n, URL of CA information
 * n+1 }, signed with the lineage's long-lived distribution key (ECDSA P-256 or P-384; the
 * key signs nothing else).
 *
 *   CaInformation ::= SEQUENCE {
 *     version        INTEGER (1),
 *     lineage        UTF8String (SIZE (1..64 bytes)),
 *     generation     INTEGER (1..2147483647),
 *     caCertificate  Certificate,                -- CA certificate n, its DER embedded unchanged
 *     nextUrl        IA5String (SIZE (1..2048)) } -- https URL where CA information n+1 appears
 *
 *   SignedCaInformation ::= SEQUENCE {
 *     tbsCaInformation    CaInformation,
 *     signatureAlgorithm  AlgorithmIdentifier,    -- ecdsa-with-SHA256 (P-256) | ecdsa-with-SHA384 (P-384)
 *     signature           BIT STRING }            -- DER Ecdsa-Sig-Value over the DER of tbsCaInformation
 *
 * The JSON form carries base64 of the same tbs DER and the same signature, plus readable
 * copies that must agree with the tbs, so both forms verify the very same bytes.
 *
 * API:
 *   encodeCaInfo(tbs: CaInfoTbs) → Buffer                    the tbs DER (RangeError on bad values)
 *   signCaInfo(tbs, distributionPrivateKey) → { der, json }  json: CaInfoJson object; caInfoJsonText() for text
 *   signCaInfoWith(tbs, { spki, sign }) → Promise<…>         the same, with a key in a PKCS#11 token
 *   parseCaInfo(Uint8Array | string) → CaInfo                strict, either form; throws CaInfoError
 *   verifyCaInfo(info, distributionPublicKeySpki) → boolean  algorithm pinned to the key's curve
 */

export const CA_INFO_VERSION = 1n;
/** A DER form or JSON text larger than this is refused (an RSA-4096 CA certificate is ≈1.5 KB). */
export const MAX_CA_INFO_BYTES = 8192;
export const MAX_LINEAGE_NAME_BYTES = 64;
export const MAX_NEXT_URL_LENGTH = 2048;
export const MAX_GENERATION = 2147483647;
/** The distribution key types (ECDSA only: small signatures, one verifier in firmware). */
export const DISTRIBUTION_KEY_TYPES = ["ec-p256", "ec-p384"] as const;
export type DistributionKeyType = (typeof DISTRIBUTION_KEY_TYPES)[number];

/** Raised for anything malformed; `message` says what and where. */
export class CaInfoError extends DerError {
  constructor(message: string) {
    super(message);
    this.name = "CaInfoError";
  }
}

/** The signed statement's content. */
export interface CaInfoTbs {
  lineage: string;
  generation: number;
  /** DER of CA certificate n (must be a CA certificate). */
  caCertDer: Uint8Array;
  /** https URL of CA information n+1, in canonical WHATWG form. */
  nextUrl: string;
}

/** A strictly decoded document. Not yet verified: see verifyCaInfo. */
export interface CaInfo extends CaInfoTbs {
  form: "der" | "json";
  /** The CaInformation TLV exactly as received: what the signature covers. */
  tbs: Uint8Array;
  /** "ecdsa-with-SHA256" | "ecdsa-with-SHA384" */
  algorithm: string;
  algorithmOid: string;
  signature: Uint8Array;
  /** The SignedCaInformation DER (as received, or rebuilt from a JSON form: the same bytes). */
  der: Uint8Array;
  /** The parsed CA certificate. */
  caCertificate: Certificate;
}

export interface CaInfoJson {
  version: 1;
  lineage: string;
  generation: number;
  /** Lower-case hex SHA-256 of the CA certificate DER (the certificate itself is in tbs). */
  caCertificateSha256: string;
  nextUrl: string;
  algorithm: string;
  /** base64 of the CaInformation DER: the signed bytes. */
  tbs: string;
  /** base64 of the signature (DER Ecdsa-Sig-Value). */
  signature: string;
}

const CONTROL_OR_SLASH = /[\u0000-\u001f\u007f-\u009f/]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function lineageNameProblem(name: unknown): string | null {
  if (typeof name !== "string" || name.length === 0) return "the lineage name is empty";
  if (Buffer.byteLength(name, "utf8") > MAX_LINEAGE_NAME_BYTES) return `the lineage name is longer than ${MAX_LINEAGE_NAME_BYTES} bytes`;
  if (CONTROL_OR_SLASH.test(name) || LONE_SURROGATE.test(name)) return "the lineage name contains control characters, '/', or invalid Unicode";
  if (name.trim() !== name) return "the lineage name starts or ends with white space";
  return null;
}

export function generationProblem(n: unknown): string | null {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > MAX_GENERATION) return `the generation must be an integer from 1 to ${MAX_GENERATION}`;
  return null;
}

/** The URL must be https, printable ASCII, and already in the form URL parsers print (one spelling). */
export function nextUrlProblem(url: unknown): string | null {
  if (typeof url !== "string" || url.length === 0) return "the next URL is empty";
  if (url.length > MAX_NEXT_URL_LENGTH) return `the next URL is longer than ${MAX_NEXT_URL_LENGTH} characters`;
  if (!/^[\x21-\x7e]+$/.test(url)) return "the next URL must be printable ASCII without spaces";
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `the next URL is not a URL: ${url}`;
  }
  if (u.protocol !== "https:") return `the next URL must be https: ${url}`;
  if (u.username || u.password) return "the next URL must not carry user information";
  if (u.hash) return "the next URL must not have a fragment";
  if (u.href !== url) return `the next URL is not in canonical form (expected ${u.href})`;
  return null;
}

function certificateProblem(der: Uint8Array): string | null {
  try {
    const c = parseCertificateDer(der, "caCertificate");
    return c.isCa ? null : "the certificate is not a CA certificate";
  } catch (e) {
    return (e as Error).message;
  }
}

function tbsProblem(t: CaInfoTbs): string | null {
  if (!(t.caCertDer instanceof Uint8Array)) return "the CA certificate must be DER bytes";
  return lineageNameProblem(t.lineage) ?? generationProblem(t.generation) ?? nextUrlProblem(t.nextUrl) ?? certificateProblem(t.caCertDer);
}

/** The CaInformation DER (the signed bytes). Throws RangeError on values outside the rules. */
export function encodeCaInfo(t: CaInfoTbs): Buffer {
  const problem = tbsProblem(t);
  if (problem) throw new RangeError(problem);
  return seq(integer(CA_INFO_VERSION), utf8String(t.lineage), integer(t.generation), t.caCertDer, ia5String(t.nextUrl));
}

/** The distribution key type of a SubjectPublicKeyInfo, or an InputError for any other key. */
export function distributionKeyTypeOfSpki(spki: Uint8Array, field = "distributionKey"): DistributionKeyType {
  const t = keyTypeOfSpki(spki, field);
  if (t !== "ec-p256" && t !== "ec-p384") throw new InputError(field, `a distribution key must be ECDSA P-256 or P-384, not ${t}`);
  return t;
}

export interface SignedCaInfo {
  /** SignedCaInformation DER (`application/octet-stream`). */
  der: Uint8Array;
  /** The JSON form: the same tbs and signature. */
  json: CaInfoJson;
}

/** The tbs DER, or an InputError naming what is wrong with the content. */
function checkedTbs(t: CaInfoTbs): Buffer {
  const problem = tbsProblem(t);
  if (problem) throw new InputError("caInfo", problem);
  return encodeCaInfo(t);
}

function assemble(tbs: Buffer, keyType: DistributionKeyType, signature: Uint8Array): SignedCaInfo & { info: CaInfo } {
  const der = new Uint8Array(seq(tbs, signatureScheme(keyType).algorithmIdentifier, bitString(signature)));
  const info = parseCaInfo(der);
  return { der, json: caInfoToJson(info), info };
}

export function signCaInfo(t: CaInfoTbs, distributionPrivateKey: PrivateKeyInput): SignedCaInfo {
  const tbs = checkedTbs(t);
  const key = toKeyObject(distributionPrivateKey, "distributionKey");
  const keyType = distributionKeyTypeOfSpki(spkiOfPrivateKey(key, "distributionKey"));
  const { der, json } = assemble(tbs, keyType, signWith(key, keyType, tbs));
  return { der, json };
}

/** A distribution key that signs elsewhere (a PKCS#11 token): DER Ecdsa-Sig-Value over the data, and its public key. */
export interface ExternalDistributionKey {
  spki: Uint8Array;
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/**
 * signCaInfo with a key that never enters this process. The signature is checked with the
 * public key before the document is returned: a token answering with another key's
 * signature must not publish a document no device accepts.
 */
export async function signCaInfoWith(t: CaInfoTbs, key: ExternalDistributionKey): Promise<SignedCaInfo> {
  const tbs = checkedTbs(t);
  const keyType = distributionKeyTypeOfSpki(key.spki);
  const { der, json, info } = assemble(tbs, keyType, await key.sign(tbs));
  if (!verifyCaInfo(info, key.spki)) throw new Error(`CA information ${t.lineage} ${t.generation}: the distribution key's signature does not verify`);
  return { der, json };
}

export function caInfoToJson(i: CaInfo): CaInfoJson {
  return {
    version: 1,
    lineage: i.lineage,
    generation: i.generation,
    caCertificateSha256: nodeCrypto.createHash("sha256").update(i.caCertDer).digest("hex"),
    nextUrl: i.nextUrl,
    algorithm: i.algorithm,
    tbs: Buffer.from(i.tbs).toString("base64"),
    signature: Buffer.from(i.signature).toString("base64"),
  };
}

/** The JSON text as served (2-space indented, trailing newline). */
export function caInfoJsonText(j: CaInfoJson): string {
  return JSON.stringify(j, null, 2) + "\n";
}

function elements(d: Der, n: number, what: string): Der[] {
  const c = d.expect(TAG.SEQUENCE, what).children();
  if (c.length !== n) throw new CaInfoError(`${what} must have ${n} elements, found ${c.length}`);
  return c;
}

function decodeTbs(tbs: Uint8Array): { fields: CaInfoTbs; cert: Certificate } {
  const [v, lineage, gen, cert, url] = elements(parseDer(tbs), 5, "CaInformation");
  const version = readInteger(v, "version");
  if (version !== CA_INFO_VERSION) throw new CaInfoError(`unknown CaInformation version ${version}`);
  lineage.expect(TAG.UTF8_STRING, "lineage");
  const generation = readInteger(gen, "generation");
  if (generation < 1n || generation > BigInt(MAX_GENERATION)) throw new CaInfoError(`generation ${generation} is outside 1..${MAX_GENERATION}`);
  cert.expect(TAG.SEQUENCE, "caCertificate");
  url.expect(TAG.IA5_STRING, "nextUrl");
  const fields: CaInfoTbs = { lineage: readString(lineage, "lineage"), generation: Number(generation), caCertDer: new Uint8Array(cert.raw), nextUrl: readString(url, "nextUrl") };
  const problem = lineageNameProblem(fields.lineage) ?? nextUrlProblem(fields.nextUrl);
  if (problem) throw new CaInfoError(problem);
  let certificate: Certificate;
  try {
    certificate = parseCertificateDer(fields.caCertDer, "caCertificate");
  } catch (e) {
    throw new CaInfoError(`caCertificate: ${(e as Error).message}`);
  }
  if (!certificate.isCa) throw new CaInfoError("caCertificate: not a CA certificate");
  // The strict reader refuses non-minimal forms; re-encoding pins the one encoding there is.
  if (!encodeCaInfo(fields).equals(Buffer.from(tbs))) throw new CaInfoError("CaInformation is not in canonical DER");
  return { fields, cert: certificate };
}

const ALGORITHMS = new Map(DISTRIBUTION_KEY_TYPES.map((t) => signatureScheme(t)).map((s) => [s.name, s] as const));

function decodeDer(der: Uint8Array): CaInfo {
  if (der.length > MAX_CA_INFO_BYTES) throw new CaInfoError(`larger than ${MAX_CA_INFO_BYTES} bytes`);
  const [tbsD, algD, sigD] = elements(parseDer(der), 3, "SignedCaInformation");
  const { fields, cert } = decodeTbs(tbsD.raw);
  const alg = readSignatureAlgorithm(algD, "signatureAlgorithm");
  const scheme = ALGORITHMS.get(alg.name);
  if (!scheme || !Buffer.from(algD.raw).equals(scheme.algorithmIdentifier)) throw new CaInfoError(`signatureAlgorithm ${alg.name} is not ecdsa-with-SHA256 or ecdsa-with-SHA384`);
  const signature = readBitString(sigD, "signature").bytes;
  if (signature.length === 0) throw new CaInfoError("empty signature");
  return { form: "der", ...fields, tbs: new Uint8Array(tbsD.raw), algorithm: scheme.name, algorithmOid: scheme.oid, signature: new Uint8Array(signature), der: new Uint8Array(der), caCertificate: cert };
}

const base64 = z
  .string()
  .max(MAX_CA_INFO_BYTES * 2)
  .refine((s) => s.length > 0 && s.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(s) && Buffer.from(s, "base64").toString("base64") === s, "not canonical base64");

const JsonSchema = z.strictObject({
  version: z.literal(1),
  lineage: z.string(),
  generation: z.number().int(),
  caCertificateSha256: z.string().regex(/^[0-9a-f]{64}$/, "64 lower-case hex digits"),
  nextUrl: z.string(),
  algorithm: z.string(),
  tbs: base64,
  signature: base64,
});

function decodeJsonText(text: string): CaInfo {
  if (Buffer.byteLength(text, "utf8") > MAX_CA_INFO_BYTES * 2) throw new CaInfoError(`JSON form larger than ${MAX_CA_INFO_BYTES * 2} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CaInfoError("not valid JSON");
  }
  const r = JsonSchema.safeParse(value);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new CaInfoError(`JSON form: ${i.path.join(".") || "document"}: ${i.message}`);
  }
  const j = r.data;
  const scheme = ALGORITHMS.get(j.algorithm);
  if (!scheme) throw new CaInfoError(`JSON form: algorithm "${j.algorithm}" is not ecdsa-with-SHA256 or ecdsa-with-SHA384`);
  const tbs = new Uint8Array(Buffer.from(j.tbs, "base64"));
  const signature = new Uint8Array(Buffer.from(j.signature, "base64"));
  const { fields, cert } = decodeTbs(tbs);
  // Readable copies must say what the signed bytes say, or a person could be shown one thing while a device acts on another.
  if (j.lineage !== fields.lineage) throw new CaInfoError("JSON form: lineage differs from tbs");
  if (j.generation !== fields.generation) throw new CaInfoError("JSON form: generation differs from tbs");
  if (j.nextUrl !== fields.nextUrl) throw new CaInfoError("JSON form: nextUrl differs from tbs");
  if (j.caCertificateSha256 !== nodeCrypto.createHash("sha256").update(fields.caCertDer).digest("hex")) throw new CaInfoError("JSON form: caCertificateSha256 differs from tbs");
  const der = new Uint8Array(seq(tbs, scheme.algorithmIdentifier, bitString(signature)));
  if (der.length > MAX_CA_INFO_BYTES) throw new CaInfoError(`larger than ${MAX_CA_INFO_BYTES} bytes`);
  return { form: "json", ...fields, tbs, algorithm: scheme.name, algorithmOid: scheme.oid, signature, der, caCertificate: cert };
}

const isSpace = (b: number): boolean => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

/**
 * Decodes either form strictly: bytes starting 0x30 are DER; bytes or a string whose
 * first non-space character is "{" are JSON. Throws CaInfoError. Verifies nothing.
 */
export function parseCaInfo(input: Uint8Array | string): CaInfo {
  try {
    if (typeof input === "string") return decodeJsonText(input);
    if (!(input instanceof Uint8Array)) throw new CaInfoError("no CA information");
    if (input.length > MAX_CA_INFO_BYTES * 2) throw new CaInfoError(`larger than ${MAX_CA_INFO_BYTES * 2} bytes`);
    if (input[0] === 0x30) return decodeDer(input);
    let i = 0;
    while (i < input.length && isSpace(input[i])) i++;
    if (input[i] === 0x7b) return decodeJsonText(Buffer.from(input).toString("utf8"));
    throw new CaInfoError("neither DER (starts with 0x30) nor JSON (starts with '{')");
  } catch (e) {
    if (e instanceof CaInfoError) throw e;
    if (e instanceof DerError) throw new CaInfoError(e.message);
    throw e;
  }
}

/**
 * True when the signature over `info.tbs` verifies with the distribution public key and
 * the algorithm is the one its curve requires (P-256 → SHA-256, P-384 → SHA-384).
 * Any other key (RSA, malformed) gives false.
 */
export function verifyCaInfo(info: CaInfo, distributionPublicKeySpki: Uint8Array): boolean {
  let keyType: KeyType;
  try {
    keyType = distributionKeyTypeOfSpki(distributionPublicKeySpki);
  } catch {
    return false;
  }
  if (signatureScheme(keyType).oid !== info.algorithmOid) return false;
  try {
    return verifySignature(info.algorithmOid, distributionPublicKeySpki, info.tbs, info.signature);
  } catch {
    return false;
  }
}
