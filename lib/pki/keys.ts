import nodeCrypto, { type KeyObject } from "node:crypto";
import { InputError, shown } from "../errors";
import { DerError, parseDer } from "./der";
import { MAX_OBJECT_BYTES, pemDecodeOne } from "./pem";
import { parseSpki, publicKeyObject, type ParsedSpki } from "./spki";

export { KEY_TYPES, KEY_TYPE_LABELS, type KeyType } from "./keyTypes";
import { KEY_TYPES, type KeyType } from "./keyTypes";

export const isEcKeyType = (t: KeyType): boolean => t.startsWith("ec-");

const OFFERED = KEY_TYPES.join(", ");

export function parseKeyType(s: unknown, field = "keyType"): KeyType {
  if (typeof s === "string" && (KEY_TYPES as readonly string[]).includes(s)) return s as KeyType;
  throw new InputError(field, `unknown key type ${shown(s)}; expected one of ${OFFERED}`);
}

const CURVE_OF: Record<string, KeyType> = { prime256v1: "ec-p256", secp384r1: "ec-p384" };
const RSA_OF: Record<number, KeyType> = { 2048: "rsa-2048", 3072: "rsa-3072", 4096: "rsa-4096" };
const CURVE_LABEL: Record<string, string> = { prime256v1: "P-256", secp384r1: "P-384", secp521r1: "P-521", secp256k1: "secp256k1" };

/** Human name of any key Node can read, for error messages about keys we refuse. */
function describeKey(k: KeyObject): string {
  const d = k.asymmetricKeyDetails ?? {};
  switch (k.asymmetricKeyType) {
    case "ec":
      return `ECDSA ${CURVE_LABEL[d.namedCurve ?? ""] ?? d.namedCurve ?? "with an unnamed curve"}`;
    case "rsa":
      return `RSA ${d.modulusLength}-bit`;
    case "rsa-pss":
      return "RSA-PSS";
    case "ed25519":
      return "Ed25519";
    case "ed448":
      return "Ed448";
    case "x25519":
      return "X25519";
    case "x448":
      return "X448";
    case "dsa":
      return "DSA";
    default:
      return String(k.asymmetricKeyType);
  }
}

/** The KeyType of a Node key, or an InputError naming what the key actually is. */
export function keyTypeOfKeyObject(k: KeyObject, field: string): KeyType {
  const d = k.asymmetricKeyDetails ?? {};
  let t: KeyType | undefined;
  if (k.asymmetricKeyType === "ec") t = CURVE_OF[d.namedCurve ?? ""];
  else if (k.asymmetricKeyType === "rsa") t = RSA_OF[d.modulusLength ?? 0];
  if (!t) throw new InputError(field, `the key is ${describeKey(k)}, which Rootline does not support; supported key types: ${OFFERED}`);
  return t;
}

export function webCryptoParams(t: KeyType): EcKeyImportParams | RsaHashedImportParams {
  switch (t) {
    case "ec-p256":
      return { name: "ECDSA", namedCurve: "P-256" };
    case "ec-p384":
      return { name: "ECDSA", namedCurve: "P-384" };
    default:
      return { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  }
}

/** Generates a key pair whose private key is extractable (it gets sealed and stored). */
export async function generateKeyPair(type: KeyType): Promise<CryptoKeyPair> {
  const t = parseKeyType(type);
  const subtle = globalThis.crypto.subtle;
  if (isEcKeyType(t)) return subtle.generateKey(webCryptoParams(t) as EcKeyGenParams, true, ["sign", "verify"]);
  const modulusLength = Number(t.slice(4));
  return subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  );
}

export async function exportPkcs8(privateKey: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await globalThis.crypto.subtle.exportKey("pkcs8", privateKey));
}

export async function exportSpki(publicKey: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await globalThis.crypto.subtle.exportKey("spki", publicKey));
}

/** Any private-key form the library accepts: WebCrypto, Node KeyObject, or PKCS#8 DER. */
export type PrivateKeyInput = CryptoKey | KeyObject | Uint8Array;

/** A Node KeyObject for signing (fast, synchronous). */
export function toKeyObject(key: PrivateKeyInput, field = "privateKey"): KeyObject {
  if (key instanceof Uint8Array) {
    try {
      return nodeCrypto.createPrivateKey({ key: Buffer.from(key), format: "der", type: "pkcs8" });
    } catch {
      throw new InputError(field, "the private key is not a valid PKCS#8 key");
    }
  }
  if (key instanceof nodeCrypto.KeyObject) {
    if (key.type !== "private") throw new InputError(field, "a private key is required");
    return key;
  }
  if (!(key instanceof globalThis.CryptoKey)) throw new InputError(field, "the private key must be a CryptoKey, a KeyObject or PKCS#8 bytes");
  if (key.type !== "private") throw new InputError(field, "a private key is required");
  return nodeCrypto.KeyObject.from(key);
}

export interface ImportedPrivateKey {
  keyType: KeyType;
  /** Canonical PKCS#8 DER (what gets sealed and stored). */
  pkcs8: Uint8Array;
  /** SubjectPublicKeyInfo DER of the matching public key. */
  spki: Uint8Array;
  privateKey: CryptoKey;
  keyObject: KeyObject;
}

const PEM_LABELS = ["PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY"];
const DER_TYPES = ["pkcs8", "sec1", "pkcs1"] as const;

/**
 * Imports a private key given as PKCS#8 DER, or PEM "PRIVATE KEY" (PKCS#8),
 * "EC PRIVATE KEY" (SEC 1) or "RSA PRIVATE KEY" (PKCS#1), and normalises it to
 * PKCS#8. The key type is detected; when keyType is given it must match.
 * Encrypted keys are refused with a hint: the server has no place to ask for a
 * passphrase, and the key gets sealed with the master key anyway.
 */
export async function importPrivateKey(input: Uint8Array | string, keyType?: KeyType, field = "privateKey"): Promise<ImportedPrivateKey> {
  const bytes = typeof input === "string" ? new Uint8Array(Buffer.from(input, "utf8")) : input;
  if (bytes.length === 0) throw new InputError(field, "the key file is empty");
  if (bytes.length > MAX_OBJECT_BYTES) throw new InputError(field, `the key file is too large (${bytes.length} bytes)`, 413);

  let ko: KeyObject | undefined;
  if (bytes[0] === 0x30) {
    try {
      parseDer(bytes);
    } catch (e) {
      throw new InputError(field, `the private key is not valid DER (${(e as Error).message})`);
    }
    for (const type of DER_TYPES) {
      try {
        ko = nodeCrypto.createPrivateKey({ key: Buffer.from(bytes), format: "der", type });
        break;
      } catch {
        /* try the next encoding */
      }
    }
    if (!ko) throw new InputError(field, "the private key is neither PKCS#8, SEC 1 (EC) nor PKCS#1 (RSA) DER");
  } else {
    const text = Buffer.from(bytes).toString("utf8");
    if (text.includes("ENCRYPTED PRIVATE KEY") || /Proc-Type:\s*4,ENCRYPTED/.test(text)) {
      throw new InputError(field, "the private key is encrypted; decrypt it first (openssl pkey -in key.pem -out key-plain.pem)");
    }
    const block = pemDecodeOne(text, PEM_LABELS, field);
    const type = block.label === "PRIVATE KEY" ? "pkcs8" : block.label === "EC PRIVATE KEY" ? "sec1" : "pkcs1";
    try {
      parseDer(block.der);
      ko = nodeCrypto.createPrivateKey({ key: Buffer.from(block.der), format: "der", type });
    } catch {
      throw new InputError(field, `the "${block.label}" PEM block does not contain a valid key`);
    }
  }
  if (ko.type !== "private") throw new InputError(field, "a private key is required");
  const detected = keyTypeOfKeyObject(ko, field);
  if (keyType !== undefined && detected !== keyType) {
    throw new InputError(field, `the private key is ${detected}, but ${keyType} was expected`);
  }
  const pkcs8 = new Uint8Array(ko.export({ format: "der", type: "pkcs8" }));
  const spki = new Uint8Array(nodeCrypto.createPublicKey(ko).export({ format: "der", type: "spki" }));
  // The file's own copy of the public key is taken at face value by OpenSSL: prove it.
  if (!privateKeyMatchesSpki(ko, spki)) throw new InputError(field, "the private key file is inconsistent: its public key does not belong to its private key");
  const privateKey = await globalThis.crypto.subtle.importKey("pkcs8", pkcs8, webCryptoParams(detected), true, ["sign"]);
  return { keyType: detected, pkcs8, spki, privateKey, keyObject: ko };
}

/** SubjectPublicKeyInfo DER of a private key's public half. */
export function spkiOfPrivateKey(key: PrivateKeyInput, field = "privateKey"): Uint8Array {
  return new Uint8Array(nodeCrypto.createPublicKey(toKeyObject(key, field)).export({ format: "der", type: "spki" }));
}

/**
 * Key type of a SubjectPublicKeyInfo, strictly (see spki.ts): one DER object, a named
 * curve (no explicit parameters), an uncompressed point on the curve, RSA with NULL
 * parameters and a modulus of exactly 2048, 3072 or 4096 bits. Anything else is an
 * InputError naming the key found.
 */
export function keyTypeOfSpki(spkiDer: Uint8Array, field = "publicKey"): KeyType {
  let p: ParsedSpki;
  try {
    p = parseSpki(spkiDer);
  } catch (e) {
    throw new InputError(field, `the public key is malformed: ${e instanceof DerError ? e.message : "not a valid SubjectPublicKeyInfo"}`);
  }
  let t: KeyType | undefined;
  if (p.kind === "ec") t = p.curve === "P-256" ? "ec-p256" : "ec-p384";
  else if (p.kind === "rsa") t = RSA_OF[p.modulusBits];
  if (t) return t;
  const what = p.kind === "rsa" ? `RSA ${p.modulusBits}-bit` : p.kind === "other" ? p.description : "";
  throw new InputError(field, `the key is ${what}, which Rootline does not support; supported key types: ${OFFERED}`);
}

export function spkiSha256Hex(spkiDer: Uint8Array): string {
  return nodeCrypto.createHash("sha256").update(spkiDer).digest("hex");
}

/**
 * The private key belongs to the public key in spki: the public keys are equal AND a
 * random challenge signed with the private key verifies under spki. The second check
 * matters because PKCS#8/SEC 1 files carry their own copy of the public key, which a
 * corrupted or forged file can get wrong.
 */
export function privateKeyMatchesSpki(key: PrivateKeyInput, spki: Uint8Array): boolean {
  const priv = toKeyObject(key);
  let pub: KeyObject;
  try {
    pub = publicKeyObject(parseSpki(spki));
  } catch {
    return false;
  }
  if (!nodeCrypto.createPublicKey(priv).equals(pub)) return false;
  const challenge = nodeCrypto.randomBytes(32);
  const opts = priv.asymmetricKeyType === "ec" ? { dsaEncoding: "der" as const } : { padding: nodeCrypto.constants.RSA_PKCS1_PADDING };
  try {
    return nodeCrypto.verify("sha256", challenge, { key: pub, ...opts }, nodeCrypto.sign("sha256", challenge, { key: priv, ...opts }));
  } catch {
    return false;
  }
}
