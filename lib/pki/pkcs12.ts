import forge from "node-forge";
import nodeCrypto from "node:crypto";
import { InputError } from "../errors";
import { ctx, explicit, integer, octetString, oid, seq, set, tlv, tlvOf } from "./der";
import { parseCertificateDer } from "./certificate";
import { privateKeyMatchesSpki, toKeyObject } from "./keys";

/**
 * PKCS#12 (RFC 7292) for server-generated keys, with the algorithms OpenSSL 3 uses
 * by default: PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) for the key bag AND the
 * certificates, and an HMAC-SHA256 MAC. node-forge's toPkcs12Asn1 cannot do that
 * (RSA keys only, SHA-1 MAC, plain certificates), so we use forge for the crypto
 * (PBES2 encryption, the RFC 7292 appendix B MAC key derivation) and assemble the
 * structure ourselves.
 */

const P7_DATA = "1.2.840.113549.1.7.1";
const P7_ENCRYPTED_DATA = "1.2.840.113549.1.7.6";
const BAG_SHROUDED_KEY = "1.2.840.113549.1.12.10.1.2";
const BAG_CERT = "1.2.840.113549.1.12.10.1.3";
const CERT_X509 = "1.2.840.113549.1.9.22.1";
const ATTR_FRIENDLY_NAME = "1.2.840.113549.1.9.20";
const ATTR_LOCAL_KEY_ID = "1.2.840.113549.1.9.21";
const SHA256 = "2.16.840.1.101.3.4.2.1";

export const PKCS12_DEFAULT_ITERATIONS = 10_000;

export interface Pkcs12Options {
  certDer: Uint8Array;
  /** Issuer chain, nearest first (not including certDer). */
  chainDers?: readonly Uint8Array[];
  privateKeyPkcs8: Uint8Array;
  password: string;
  friendlyName?: string;
  /** PBKDF2 and MAC iterations; at least 2048. */
  iterations?: number;
}

const bin = (b: Uint8Array): string => Buffer.from(b).toString("binary");
const fromBin = (s: string): Buffer => Buffer.from(s, "binary");

/** PBES2 encryption via forge; returns the AlgorithmIdentifier and ciphertext. */
function pbes2Encrypt(plainDer: Buffer, password: string, iterations: number): { algorithm: Buffer; ciphertext: Buffer } {
  const epki = forge.pki.encryptPrivateKeyInfo(forge.asn1.fromDer(bin(plainDer)), forge.util.encodeUtf8(password), {
    algorithm: "aes256",
    count: iterations,
    saltSize: 16,
    prfAlgorithm: "sha256",
  } as Parameters<typeof forge.pki.encryptPrivateKeyInfo>[2]);
  // EncryptedPrivateKeyInfo ::= SEQUENCE { encryptionAlgorithm, encryptedData OCTET STRING }
  const [alg, data] = epki.value as forge.asn1.Asn1[];
  return { algorithm: fromBin(forge.asn1.toDer(alg).getBytes()), ciphertext: fromBin(data.value as string) };
}

function bmpString(s: string): Buffer {
  const b = Buffer.from(s, "utf16le");
  b.swap16();
  return tlv(0x1e, b);
}

export function buildPkcs12(o: Pkcs12Options): Uint8Array {
  if (typeof o.password !== "string" || o.password.length === 0) throw new InputError("password", "a password is required to protect the private key");
  if (o.password.length > 256) throw new InputError("password", "the password is too long (at most 256 characters)");
  const iterations = o.iterations ?? PKCS12_DEFAULT_ITERATIONS;
  if (!Number.isInteger(iterations) || iterations < 2048 || iterations > 10_000_000) throw new InputError("iterations", "iterations must be an integer of at least 2048");
  const cert = parseCertificateDer(o.certDer, "certificate");
  const chain = (o.chainDers ?? []).map((c) => parseCertificateDer(c, "chain"));
  if (!privateKeyMatchesSpki(toKeyObject(o.privateKeyPkcs8, "privateKey"), cert.spki)) {
    throw new InputError("privateKey", "the private key does not belong to the certificate");
  }
  if (o.friendlyName !== undefined && (typeof o.friendlyName !== "string" || /[\u0000-\u001f]/.test(o.friendlyName) || o.friendlyName.length > 128)) {
    throw new InputError("friendlyName", "the friendly name must be at most 128 printable characters");
  }

  // localKeyId ties the key bag to its certificate: SHA-1 of the certificate, as OpenSSL does.
  const localKeyId = nodeCrypto.createHash("sha1").update(cert.der).digest();
  const attrs = [seq(oid(ATTR_LOCAL_KEY_ID), set(octetString(localKeyId)))];
  if (o.friendlyName) attrs.unshift(seq(oid(ATTR_FRIENDLY_NAME), set(bmpString(o.friendlyName))));
  const bagAttributes = set(...attrs);

  const certBag = (der: Uint8Array, withAttrs: boolean) =>
    seq(oid(BAG_CERT), explicit(0, seq(oid(CERT_X509), explicit(0, octetString(der)))), ...(withAttrs ? [bagAttributes] : []));
  const certSafe = seq(certBag(cert.der, true), ...chain.map((c) => certBag(c.der, false)));
  const enc = pbes2Encrypt(certSafe, o.password, iterations);
  // ContentInfo(encryptedData) { EncryptedData { version 0, EncryptedContentInfo { data, alg, [0] IMPLICIT ciphertext } } }
  const certsInfo = seq(oid(P7_ENCRYPTED_DATA), explicit(0, seq(integer(0), seq(oid(P7_DATA), enc.algorithm, tlv(0x80, enc.ciphertext)))));

  const key = pbes2Encrypt(Buffer.from(o.privateKeyPkcs8), o.password, iterations);
  const keyBag = seq(oid(BAG_SHROUDED_KEY), explicit(0, seq(key.algorithm, octetString(key.ciphertext))), bagAttributes);
  const keyInfo = seq(oid(P7_DATA), explicit(0, octetString(seq(keyBag))));

  const authSafe = seq(certsInfo, keyInfo);

  // MacData: HMAC-SHA256 keyed with the RFC 7292 B.2 KDF (ID 3, BMPString password).
  const macSalt = nodeCrypto.randomBytes(16);
  const macKey = forge.pkcs12.generateKey(o.password, forge.util.createBuffer(bin(macSalt)), 3, iterations, 32, forge.md.sha256.create());
  const mac = nodeCrypto.createHmac("sha256", fromBin(macKey.getBytes())).update(authSafe).digest();
  const macData = seq(seq(seq(oid(SHA256), tlv(0x05, Buffer.alloc(0))), octetString(mac)), octetString(macSalt), integer(iterations));

  return new Uint8Array(seq(integer(3), seq(oid(P7_DATA), tlvOf(ctx(0), [octetString(authSafe)])), macData));
}
