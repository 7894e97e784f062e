import { InputError } from "../errors";
import { Der, DerError, TAG, ctx, ctxPrim, parseDer, readBitString, readInteger, readTime } from "./der";
import { decodeName } from "./dn";
import { decodeExtension, readExtensions, type DecodedExtension } from "./extensions";
import { serialToColonHex, sha1Hex, sha256Hex } from "./fingerprint";
import { keyTypeOfSpki, privateKeyMatchesSpki, toKeyObject, type KeyType, type PrivateKeyInput } from "./keys";
import { MAX_OBJECT_BYTES, derFromUpload, pemDecodeAll } from "./pem";
import type { KeyUsageName } from "./profiles";
import type { San } from "./san";
import { readSignatureAlgorithm, verifySignature } from "./signature";
import { parseSpki, type ParsedSpki } from "./spki";

/** A strictly parsed certificate: raw parts for signing/verifying, decoded fields for logic. */
export interface Certificate {
  der: Uint8Array;
  /** The TBSCertificate TLV: what the signature covers. */
  tbs: Uint8Array;
  version: 1 | 2 | 3;
  serial: bigint;
  signatureAlgorithm: { oid: string; name: string };
  issuerDer: Uint8Array;
  subjectDer: Uint8Array;
  issuer: string;
  subject: string;
  commonName: string | null;
  notBefore: Date;
  notAfter: Date;
  spki: Uint8Array;
  /** null when the key is of a type Rootline does not use (still displayable). */
  keyType: KeyType | null;
  extensions: DecodedExtension[];
  signature: Uint8Array;
  isCa: boolean;
  pathLen: number | null;
  /** null when the extension is absent (= any usage). */
  keyUsage: KeyUsageName[] | null;
  subjectKeyId: string | null;
  authorityKeyId: string | null;
  sans: San[];
}

function fail(field: string, e: unknown): never {
  if (e instanceof InputError) throw e;
  const why = e instanceof DerError ? e.message : String((e as Error)?.message ?? e);
  throw new InputError(field, `the certificate is malformed: ${why}`);
}

/** Parses DER bytes of a certificate (already extracted from PEM). */
export function parseCertificateDer(der: Uint8Array, field = "certificate"): Certificate {
  try {
    const top = parseDer(der).expect(TAG.SEQUENCE, "Certificate").children();
    if (top.length !== 3) throw new DerError("Certificate must have three elements");
    const [tbsD, outerAlg, sigD] = top;
    const sigAlg = readSignatureAlgorithm(outerAlg, "signatureAlgorithm");
    const signature = readBitString(sigD, "signature").bytes;

    const t = tbsD.expect(TAG.SEQUENCE, "TBSCertificate").children();
    let i = 0;
    let version: 1 | 2 | 3 = 1;
    if (t[i]?.tag === ctx(0)) {
      const vs = t[i++].children();
      if (vs.length !== 1) throw new DerError("version: malformed");
      const v = readInteger(vs[0], "version");
      if (v < 0n || v > 2n) throw new DerError(`unknown certificate version ${v + 1n}`);
      version = (Number(v) + 1) as 1 | 2 | 3;
    }
    const need = (what: string): Der => {
      const d = t[i++];
      if (!d) throw new DerError(`TBSCertificate: ${what} is missing`);
      return d;
    };
    const serial = readInteger(need("serialNumber"), "serialNumber");
    if (serial < 0n) throw new DerError("negative serial numbers are not accepted");
    const innerAlg = need("signature");
    // RFC 5280 §4.1.1.2: the signed and the unsigned algorithm identifiers must be identical.
    if (!Buffer.from(innerAlg.raw).equals(Buffer.from(outerAlg.raw))) throw new DerError("inner and outer signature algorithms differ");
    const issuerD = need("issuer");
    const issuer = decodeName(issuerD);
    const validity = need("validity").expect(TAG.SEQUENCE, "validity").children();
    if (validity.length !== 2) throw new DerError("validity must have two times");
    const notBefore = readTime(validity[0], "notBefore");
    const notAfter = readTime(validity[1], "notAfter");
    const subjectD = need("subject");
    const subject = decodeName(subjectD);
    const spkiD = need("subjectPublicKeyInfo").expect(TAG.SEQUENCE, "subjectPublicKeyInfo");

    // issuerUniqueID [1] / subjectUniqueID [2]: v2+ only, obsolete, skipped.
    while (t[i] && (t[i].tag === ctxPrim(1) || t[i].tag === ctxPrim(2) || t[i].tag === ctx(1) || t[i].tag === ctx(2))) {
      if (version < 2) throw new DerError("unique identifiers require version 2 or 3");
      i++;
    }
    let rawExts: { oid: string; critical: boolean; value: Uint8Array }[] = [];
    if (t[i]?.tag === ctx(3)) {
      if (version !== 3) throw new DerError("extensions require version 3");
      const e = t[i++].children();
      if (e.length !== 1) throw new DerError("extensions: malformed");
      rawExts = readExtensions(e[0]);
    }
    if (i !== t.length) throw new DerError("TBSCertificate has unexpected trailing elements");

    const extensions = rawExts.map((e) => decodeExtension(e.oid, e.critical, e.value));
    let keyType: KeyType | null = null;
    try {
      keyType = keyTypeOfSpki(spkiD.raw, field);
    } catch {
      keyType = null;
    }
    const find = <N extends DecodedExtension["name"]>(n: N) => extensions.find((x) => x.name === n) as Extract<DecodedExtension, { name: N }> | undefined;
    const bc = find("basicConstraints");
    return {
      der,
      tbs: tbsD.raw,
      version,
      serial,
      signatureAlgorithm: sigAlg,
      issuerDer: issuerD.raw,
      subjectDer: subjectD.raw,
      issuer: issuer.text,
      subject: subject.text,
      commonName: subject.commonName,
      notBefore,
      notAfter,
      spki: spkiD.raw,
      keyType,
      extensions,
      signature,
      isCa: bc?.ca ?? false,
      pathLen: bc?.pathLen ?? null,
      keyUsage: find("keyUsage")?.usages ?? null,
      subjectKeyId: find("subjectKeyIdentifier")?.keyId ?? null,
      authorityKeyId: find("authorityKeyIdentifier")?.keyId ?? null,
      sans: find("subjectAltName")?.sans ?? [],
    };
  } catch (e) {
    fail(field, e);
  }
}

/** Strict certificate parser: PEM ("CERTIFICATE", exactly one) or DER. */
export function parseCertificate(input: Uint8Array | string, field = "certificate"): Certificate {
  return parseCertificateDer(derFromUpload(input, ["CERTIFICATE"], field), field);
}

/** Parses every certificate of a PEM bundle (chains); DER input is one certificate. */
export function parseCertificateChain(input: Uint8Array | string, field = "chain"): Certificate[] {
  const bytes = typeof input === "string" ? Buffer.from(input, "utf8") : Buffer.from(input);
  // A chain is a few certificates; 4 × the single-object limit is generous.
  if (bytes.length > 4 * MAX_OBJECT_BYTES) throw new InputError(field, "the chain file is too large", 413);
  if (bytes.length > 0 && bytes[0] === 0x30) return [parseCertificateDer(new Uint8Array(bytes), field)];
  const blocks = pemDecodeAll(bytes.toString("utf8"), field);
  const certs = blocks.filter((b) => b.label === "CERTIFICATE");
  if (certs.length !== blocks.length) throw new InputError(field, `the chain may contain only CERTIFICATE blocks, found ${blocks.map((b) => b.label).join(", ")}`);
  return certs.map((b) => parseCertificateDer(b.der, field));
}

// ---------------------------------------------------------------- details for display

export interface PublicKeyDetails {
  /** "EC", "RSA", "Ed25519", ... */
  algorithm: string;
  keyType: KeyType | null;
  curve: string | null;
  modulusBits: number | null;
  /** e.g. "ECDSA P-256" */
  description: string;
  spkiSha256: string;
}

export interface CertificateDetails {
  version: 1 | 2 | 3;
  serial: bigint;
  serialDecimal: string;
  /** colon hex, e.g. "01:00" */
  serialHex: string;
  signatureAlgorithm: { oid: string; name: string };
  issuer: string;
  subject: string;
  commonName: string | null;
  notBefore: Date;
  notAfter: Date;
  publicKey: PublicKeyDetails;
  isCa: boolean;
  sans: string[];
  extensions: DecodedExtension[];
  /** lower-case hex of the DER (format with colonHex for display) */
  fingerprints: { sha1: string; sha256: string };
}

function publicKeyDetails(spki: Uint8Array, keyType: KeyType | null): PublicKeyDetails {
  const spkiSha256 = sha256Hex(spki);
  let p: ParsedSpki;
  try {
    p = parseSpki(spki);
  } catch (e) {
    return { algorithm: "unknown", keyType, curve: null, modulusBits: null, description: `malformed public key (${(e as Error).message})`, spkiSha256 };
  }
  if (p.kind === "ec") return { algorithm: "EC", keyType, curve: p.curve, modulusBits: null, description: `ECDSA ${p.curve}`, spkiSha256 };
  if (p.kind === "rsa") return { algorithm: "RSA", keyType, curve: null, modulusBits: p.modulusBits, description: `RSA ${p.modulusBits}-bit`, spkiSha256 };
  return { algorithm: p.description, keyType: null, curve: null, modulusBits: null, description: p.description, spkiSha256 };
}

/** Every field a certificate detail page shows. */
export function decodeCertificate(input: Uint8Array | Certificate, field = "certificate"): CertificateDetails {
  const c = input instanceof Uint8Array ? parseCertificateDer(input, field) : input;
  const san = c.extensions.find((e) => e.name === "subjectAltName");
  return {
    version: c.version,
    serial: c.serial,
    serialDecimal: c.serial.toString(10),
    serialHex: serialToColonHex(c.serial),
    signatureAlgorithm: c.signatureAlgorithm,
    issuer: c.issuer,
    subject: c.subject,
    commonName: c.commonName,
    notBefore: c.notBefore,
    notAfter: c.notAfter,
    publicKey: publicKeyDetails(c.spki, c.keyType),
    isCa: c.isCa,
    sans: san && san.name === "subjectAltName" ? san.names : [],
    extensions: c.extensions,
    fingerprints: { sha1: sha1Hex(c.der), sha256: sha256Hex(c.der) },
  };
}

// ---------------------------------------------------------------- verification

/**
 * True when issuer's public key verifies cert's signature. Signature only: name
 * chaining, validity and CA flags are the caller's policy. Refused algorithms
 * (SHA-1, PSS, ...) are an InputError on "certificate".
 */
export async function verifyCertificateSignature(certDer: Uint8Array | Certificate, issuerCertDer: Uint8Array | Certificate): Promise<boolean> {
  const cert = certDer instanceof Uint8Array ? parseCertificateDer(certDer, "certificate") : certDer;
  const issuer = issuerCertDer instanceof Uint8Array ? parseCertificateDer(issuerCertDer, "issuerCertificate") : issuerCertDer;
  try {
    return verifySignature(cert.signatureAlgorithm.oid, issuer.spki, cert.tbs, cert.signature);
  } catch (e) {
    throw new InputError("certificate", `the certificate's ${(e as Error).message}`);
  }
}

/**
 * For CA import: the private key belongs to the certificate (public keys equal and a
 * challenge signature verifies with the certificate's key; see privateKeyMatchesSpki).
 */
export async function privateKeyMatchesCertificate(cert: Uint8Array | Certificate, privateKey: PrivateKeyInput): Promise<boolean> {
  const c = cert instanceof Uint8Array ? parseCertificateDer(cert, "certificate") : cert;
  return privateKeyMatchesSpki(toKeyObject(privateKey, "privateKey"), c.spki);
}
