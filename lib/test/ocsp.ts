/**
 * OCSP test support, independent of lib/ocsp: requests built and responses read with
 * @peculiar/asn1-ocsp and node:crypto only (the responder writes its DER by hand).
 */
import crypto from "node:crypto";
import { BasicOCSPResponse, CertID, OCSPRequest, OCSPResponse, Request, TBSRequest } from "@peculiar/asn1-ocsp";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier, Certificate, Extension } from "@peculiar/asn1-x509";

const HASH_OIDS = { sha1: "1.3.14.3.2.26", sha256: "2.16.840.1.101.3.4.2.1" } as const;
export const NONCE_OID = "1.3.6.1.5.5.7.48.1.2";

function serialBytes(serial: bigint): ArrayBuffer {
  let hex = serial.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  if (parseInt(hex.slice(0, 2), 16) & 0x80) hex = `00${hex}`;
  return new Uint8Array(Buffer.from(hex, "hex")).buffer;
}

export interface RequestOptions {
  hash?: keyof typeof HASH_OIDS;
  /** The nonce octets; the extension wraps them in an OCTET STRING as OpenSSL does. */
  nonce?: Uint8Array;
  /** Spoil the issuer key hash (a CertID for another CA). */
  wrongKeyHash?: boolean;
}

export function ocspRequestDer(issuerCertDer: Uint8Array, serials: bigint | bigint[], o: RequestOptions = {}): Buffer {
  const issuer = AsnConvert.parse(issuerCertDer, Certificate);
  const hash = o.hash ?? "sha1";
  const nameHash = crypto.createHash(hash).update(Buffer.from(AsnConvert.serialize(issuer.tbsCertificate.subject))).digest();
  const keyHash = crypto.createHash(hash).update(Buffer.from(issuer.tbsCertificate.subjectPublicKeyInfo.subjectPublicKey)).digest();
  if (o.wrongKeyHash) keyHash[0] ^= 0xff;
  const requestList = (Array.isArray(serials) ? serials : [serials]).map(
    (s) =>
      new Request({
        reqCert: new CertID({
          hashAlgorithm: new AlgorithmIdentifier({ algorithm: HASH_OIDS[hash], parameters: null }),
          issuerNameHash: new OctetString(nameHash),
          issuerKeyHash: new OctetString(keyHash),
          serialNumber: serialBytes(s),
        }),
      }),
  );
  const tbs = new TBSRequest({ requestList });
  if (o.nonce) tbs.requestExtensions = [new Extension({ extnID: NONCE_OID, critical: false, extnValue: new OctetString(AsnConvert.serialize(new OctetString(o.nonce))) })];
  return Buffer.from(AsnConvert.serialize(new OCSPRequest({ tbsRequest: tbs })));
}

export interface ReadResponse {
  status: number;
  basic?: BasicOCSPResponse;
  singles: { serial: bigint; status: "good" | "revoked" | "unknown"; revokedAt?: Date; reason?: number; thisUpdate: Date; nextUpdate?: Date }[];
  nonce?: Buffer;
  /** Whether the signature verifies with `signerCertDer` (the issuer's or the delegated responder's). */
  verifies(signerCertDer: Uint8Array): boolean;
}

export function readOcspResponse(der: Uint8Array): ReadResponse {
  const r = AsnConvert.parse(der, OCSPResponse);
  if (!r.responseBytes) return { status: r.responseStatus, singles: [], verifies: () => false };
  const basic = AsnConvert.parse(r.responseBytes.response.buffer, BasicOCSPResponse);
  const singles = basic.tbsResponseData.responses.map((s) => ({
    serial: BigInt(`0x${Buffer.from(s.certID.serialNumber).toString("hex")}`),
    status: (s.certStatus.good !== undefined ? "good" : s.certStatus.revoked ? "revoked" : "unknown") as "good" | "revoked" | "unknown",
    revokedAt: s.certStatus.revoked?.revocationTime,
    reason: s.certStatus.revoked?.revocationReason?.reason,
    thisUpdate: s.thisUpdate,
    nextUpdate: s.nextUpdate,
  }));
  const nonceExt = basic.tbsResponseData.responseExtensions?.find((x) => x.extnID === NONCE_OID);
  const nonce = nonceExt ? Buffer.from(AsnConvert.parse(nonceExt.extnValue.buffer, OctetString).buffer) : undefined;
  const tbs = Buffer.from(AsnConvert.serialize(basic.tbsResponseData));
  return {
    status: r.responseStatus,
    basic,
    singles,
    nonce,
    verifies(signerCertDer) {
      const key = new crypto.X509Certificate(Buffer.from(signerCertDer)).publicKey;
      const alg = basic.signatureAlgorithm.algorithm;
      const hash = alg === "1.2.840.10045.4.3.3" ? "sha384" : "sha256";
      return crypto.verify(hash, tbs, { key, dsaEncoding: "der" }, Buffer.from(basic.signature));
    },
  };
}
