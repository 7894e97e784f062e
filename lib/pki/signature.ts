import nodeCrypto, { type KeyObject } from "node:crypto";
import { Der, DerError, TAG, nul, oid, readOid, seq } from "./der";
import { isEcKeyType, type KeyType } from "./keys";
import { OID } from "./oids";
import { parseSpki, publicKeyObject } from "./spki";

/**
 * Signature algorithm per key type (what Rootline signs with):
 * ECDSA P-256 → SHA-256, P-384 → SHA-384, RSA → RSASSA-PKCS1-v1_5 with SHA-256.
 */
export interface SignatureScheme {
  keyType: KeyType;
  name: string;
  oid: string;
  hash: "sha256" | "sha384";
  /** DER AlgorithmIdentifier as written into certificates and CRLs. */
  algorithmIdentifier: Buffer;
  /** The same for WebCrypto (e.g. @peculiar/x509 generators). */
  webCrypto: EcdsaParams | Algorithm;
}

const SCHEMES: Record<KeyType, SignatureScheme> = (() => {
  const ec = (keyType: KeyType, o: string, hash: "sha256" | "sha384", name: string): SignatureScheme => ({
    keyType,
    name,
    oid: o,
    hash,
    // RFC 5758 §3.2: ecdsa-with-SHA* AlgorithmIdentifiers have NO parameters.
    algorithmIdentifier: seq(oid(o)),
    webCrypto: { name: "ECDSA", hash: hash === "sha256" ? "SHA-256" : "SHA-384" },
  });
  const rsa = (keyType: KeyType): SignatureScheme => ({
    keyType,
    name: "sha256WithRSAEncryption",
    oid: OID.sha256WithRsa,
    hash: "sha256",
    // RFC 4055 §5: sha256WithRSAEncryption parameters MUST be NULL.
    algorithmIdentifier: seq(oid(OID.sha256WithRsa), nul()),
    webCrypto: { name: "RSASSA-PKCS1-v1_5" },
  });
  return {
    "ec-p256": ec("ec-p256", OID.ecdsaSha256, "sha256", "ecdsa-with-SHA256"),
    "ec-p384": ec("ec-p384", OID.ecdsaSha384, "sha384", "ecdsa-with-SHA384"),
    "rsa-2048": rsa("rsa-2048"),
    "rsa-3072": rsa("rsa-3072"),
    "rsa-4096": rsa("rsa-4096"),
  };
})();

export function signatureScheme(keyType: KeyType): SignatureScheme {
  return SCHEMES[keyType];
}

/** Signs synchronously with Node (DER-encoded ECDSA signatures, as X.509 wants). */
export function signWith(key: KeyObject, keyType: KeyType, data: Uint8Array): Buffer {
  const s = SCHEMES[keyType];
  return isEcKeyType(keyType)
    ? nodeCrypto.sign(s.hash, data, { key, dsaEncoding: "der" })
    : nodeCrypto.sign(s.hash, data, { key, padding: nodeCrypto.constants.RSA_PKCS1_PADDING });
}

/** Display names of signature algorithms we recognise (also those we refuse). */
export const SIGNATURE_ALGORITHM_NAMES: Readonly<Record<string, string>> = {
  [OID.ecdsaSha256]: "ecdsa-with-SHA256",
  [OID.ecdsaSha384]: "ecdsa-with-SHA384",
  [OID.ecdsaSha512]: "ecdsa-with-SHA512",
  [OID.ecdsaSha1]: "ecdsa-with-SHA1",
  [OID.sha256WithRsa]: "sha256WithRSAEncryption",
  [OID.sha384WithRsa]: "sha384WithRSAEncryption",
  [OID.sha512WithRsa]: "sha512WithRSAEncryption",
  [OID.sha1WithRsa]: "sha1WithRSAEncryption",
  [OID.md5WithRsa]: "md5WithRSAEncryption",
  [OID.rsaPss]: "RSASSA-PSS",
  [OID.ed25519]: "Ed25519",
  [OID.ed448]: "Ed448",
};

const VERIFIABLE: Record<string, { hash: string; ec: boolean }> = {
  [OID.ecdsaSha256]: { hash: "sha256", ec: true },
  [OID.ecdsaSha384]: { hash: "sha384", ec: true },
  [OID.ecdsaSha512]: { hash: "sha512", ec: true },
  [OID.sha256WithRsa]: { hash: "sha256", ec: false },
  [OID.sha384WithRsa]: { hash: "sha384", ec: false },
  [OID.sha512WithRsa]: { hash: "sha512", ec: false },
};

/** OID and display name of a DER AlgorithmIdentifier, checking its parameters. */
export function readSignatureAlgorithm(alg: Der, what: string): { oid: string; name: string } {
  const parts = alg.expect(TAG.SEQUENCE, what).children();
  if (parts.length < 1 || parts.length > 2) throw new DerError(`${what}: malformed AlgorithmIdentifier`);
  const o = readOid(parts[0], what);
  const v = VERIFIABLE[o];
  if (v?.ec && parts.length !== 1) throw new DerError(`${what}: ECDSA AlgorithmIdentifier must not have parameters`);
  // RSA PKCS#1 v1.5: NULL per RFC 4055; absent parameters are tolerated like Go does.
  if (v && !v.ec && parts.length === 2 && !(parts[1].tag === TAG.NULL && parts[1].length === 0)) {
    throw new DerError(`${what}: RSA AlgorithmIdentifier parameters must be NULL`);
  }
  return { oid: o, name: SIGNATURE_ALGORITHM_NAMES[o] ?? o };
}

/**
 * Verifies a signature made with the algorithm identified by algOid under the key in
 * spki. Throws DerError for algorithms that are refused (SHA-1, MD5, PSS, EdDSA) and
 * keys of other types; returns false when the signature is wrong, including an
 * ECDSA signature checked with an RSA key and vice versa.
 */
export function verifySignature(algOid: string, spki: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  const v = VERIFIABLE[algOid];
  if (!v) throw new DerError(`signature algorithm ${SIGNATURE_ALGORITHM_NAMES[algOid] ?? algOid} is not accepted`);
  const parsed = parseSpki(spki);
  if (parsed.kind === "other") throw new DerError(`a ${parsed.description} key cannot verify ${SIGNATURE_ALGORITHM_NAMES[algOid]} signatures`);
  // An ECDSA signature checked against an RSA key (or vice versa) is simply not from that key.
  if ((parsed.kind === "ec") !== v.ec) return false;
  let key: KeyObject;
  try {
    key = publicKeyObject(parsed);
  } catch {
    throw new DerError("the public key cannot be read");
  }
  try {
    return v.ec
      ? nodeCrypto.verify(v.hash, data, { key, dsaEncoding: "der" }, signature)
      : nodeCrypto.verify(v.hash, data, { key, padding: nodeCrypto.constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    // OpenSSL throws on signatures it cannot even decode: that is a bad signature.
    return false;
  }
}
