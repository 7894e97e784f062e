import nodeCrypto, { type KeyObject } from "node:crypto";
import { DerError, TAG, parseDer, readBitString, readInteger, readOid } from "./der";
import { OID } from "./oids";

/**
 * Strict SubjectPublicKeyInfo reader, in JavaScript on purpose: OpenSSL 3's decoder
 * (createPublicKey on SPKI DER) costs ~100–160 µs per call here, more than an ECDSA
 * signature, and issuance validates every subject key. The checks match what
 * OpenSSL would refuse, plus policy (named curves only, uncompressed points).
 */

interface Curve {
  name: "P-256" | "P-384";
  oid: string;
  bytes: number;
  p: bigint;
  b: bigint;
}

const CURVES: Record<string, Curve> = {
  [OID.p256]: {
    name: "P-256",
    oid: OID.p256,
    bytes: 32,
    p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
    b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
  },
  [OID.p384]: {
    name: "P-384",
    oid: OID.p384,
    bytes: 48,
    p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
    b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
  },
};

const OTHER_CURVES: Record<string, string> = { [OID.p521]: "P-521", "1.3.132.0.10": "secp256k1", "1.3.36.3.3.2.8.1.1.7": "brainpoolP256r1" };
const OTHER_ALGORITHMS: Record<string, string> = {
  [OID.ed25519]: "Ed25519",
  [OID.ed448]: "Ed448",
  [OID.x25519]: "X25519",
  "1.3.101.111": "X448",
  [OID.rsaPss]: "RSA-PSS",
  [OID.dsa]: "DSA",
};

export type ParsedSpki =
  | { kind: "ec"; curve: "P-256" | "P-384"; x: Uint8Array; y: Uint8Array; spki: Uint8Array }
  | { kind: "rsa"; modulusBits: number; n: bigint; e: bigint; rsaPublicKey: Uint8Array; spki: Uint8Array }
  /** A well-formed key Rootline does not use; `description` names it for error messages. */
  | { kind: "other"; description: string; spki: Uint8Array };

const mod = (a: bigint, p: bigint) => ((a % p) + p) % p;
const toBig = (b: Uint8Array) => BigInt("0x" + (Buffer.from(b).toString("hex") || "0"));

/** Parses and validates; throws DerError on anything malformed. */
export function parseSpki(spkiDer: Uint8Array): ParsedSpki {
  const parts = parseDer(spkiDer).expect(TAG.SEQUENCE, "SubjectPublicKeyInfo").children();
  if (parts.length !== 2) throw new DerError("SubjectPublicKeyInfo must have two elements");
  const alg = parts[0].expect(TAG.SEQUENCE, "algorithm").children();
  if (alg.length < 1 || alg.length > 2) throw new DerError("malformed AlgorithmIdentifier");
  const algOid = readOid(alg[0], "algorithm");
  const { bytes: key } = readBitString(parts[1], "subjectPublicKey");

  if (algOid === OID.ecPublicKey) {
    if (alg.length !== 2 || alg[1].tag !== TAG.OID) throw new DerError("EC keys must name their curve (explicit curve parameters are not accepted)");
    const curveOid = readOid(alg[1], "namedCurve");
    const c = CURVES[curveOid];
    if (!c) return { kind: "other", description: `ECDSA ${OTHER_CURVES[curveOid] ?? `curve ${curveOid}`}`, spki: spkiDer };
    if (key[0] !== 0x04) throw new DerError("EC public keys must use the uncompressed point form");
    if (key.length !== 1 + 2 * c.bytes) throw new DerError(`an uncompressed ${c.name} point has ${1 + 2 * c.bytes} bytes, not ${key.length}`);
    const x = key.subarray(1, 1 + c.bytes);
    const y = key.subarray(1 + c.bytes);
    const X = toBig(x);
    const Y = toBig(y);
    // Short Weierstrass with a = -3: y² = x³ - 3x + b (mod p). Prime-order curves, so
    // on the curve means in the group (no small-subgroup check needed).
    if (X >= c.p || Y >= c.p || mod(Y * Y - (X * X * X - 3n * X + c.b), c.p) !== 0n) throw new DerError(`the EC point is not on ${c.name}`);
    return { kind: "ec", curve: c.name, x, y, spki: spkiDer };
  }
  if (algOid === OID.rsaEncryption) {
    // RFC 3279 §2.3.1: the parameters MUST be NULL (Go refuses absent ones too).
    if (alg.length !== 2 || alg[1].tag !== TAG.NULL || alg[1].length !== 0) throw new DerError("RSA key parameters must be NULL");
    const rsa = parseDer(key).expect(TAG.SEQUENCE, "RSAPublicKey").children();
    if (rsa.length !== 2) throw new DerError("RSAPublicKey must have a modulus and an exponent");
    const n = readInteger(rsa[0], "modulus");
    const e = readInteger(rsa[1], "publicExponent");
    if (n <= 0n || (n & 1n) === 0n) throw new DerError("the RSA modulus must be positive and odd");
    if (e < 3n || (e & 1n) === 0n || e > 0x7fffffffn) throw new DerError("the RSA public exponent must be odd, at least 3 and below 2^31");
    return { kind: "rsa", modulusBits: n.toString(2).length, n, e, rsaPublicKey: key, spki: spkiDer };
  }
  return { kind: "other", description: OTHER_ALGORITHMS[algOid] ?? `algorithm ${algOid}`, spki: spkiDer };
}

/**
 * A Node public KeyObject, built from JWK (EC) or PKCS#1 (RSA), which skips
 * OpenSSL's slow generic SPKI decoder.
 */
export function publicKeyObject(p: ParsedSpki): KeyObject {
  if (p.kind === "ec") {
    const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64url");
    return nodeCrypto.createPublicKey({ key: { kty: "EC", crv: p.curve, x: b64(p.x), y: b64(p.y) }, format: "jwk" });
  }
  if (p.kind === "rsa") return nodeCrypto.createPublicKey({ key: Buffer.from(p.rsaPublicKey), format: "der", type: "pkcs1" });
  return nodeCrypto.createPublicKey({ key: Buffer.from(p.spki), format: "der", type: "spki" });
}
