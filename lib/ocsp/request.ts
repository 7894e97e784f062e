import { DerError, TAG, ctx, parseDer, readInteger, readOid, type Der } from "../pki/der";
import { extension, readExtensions } from "../pki/extensions";
import { OID } from "../pki/oids";

/**
 * OCSP requests (RFC 6960 §4.1), read with Rootline's own strict DER reader (lib/pki/der.ts):
 * @peculiar/asn1-ocsp's schema parser costs ~150 µs per request here, a nonce answer's whole
 * budget; it is the independent implementation the tests build requests and read answers
 * with (lib/test/ocsp.ts). What the responder needs: each CertID (its exact bytes, echoed in
 * the answer; hash algorithm, issuer name and key hashes, serial) and the nonce, echoed.
 *
 *   OCSPRequest ::= SEQUENCE { tbsRequest TBSRequest, optionalSignature [0] EXPLICIT Signature OPTIONAL }
 *   TBSRequest  ::= SEQUENCE { version [0] EXPLICIT Version DEFAULT v1, requestorName [1] EXPLICIT GeneralName OPTIONAL,
 *                              requestList SEQUENCE OF Request, requestExtensions [2] EXPLICIT Extensions OPTIONAL }
 *   Request     ::= SEQUENCE { reqCert CertID, singleRequestExtensions [0] EXPLICIT Extensions OPTIONAL }
 *   CertID      ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, issuerNameHash OCTET STRING,
 *                              issuerKeyHash OCTET STRING, serialNumber CertificateSerialNumber }
 */

/** Anything that is not one well-formed OCSPRequest: answered with status malformedRequest. */
export class OcspMalformed extends Error {}

export interface OcspCertQuery {
  /** The CertID exactly as received, copied into the SingleResponse. */
  certIdDer: Uint8Array;
  hashOid: string;
  nameHash: Buffer;
  keyHash: Buffer;
  /** Negative for a negative INTEGER: never one of Rootline's. */
  serial: bigint;
}

export interface ParsedOcspRequest {
  queries: OcspCertQuery[];
  /** The nonce Extension (DER) to echo; null without one or with an unusable one. */
  nonceExtension: Buffer | null;
}

/** RFC 5019 clients ask for one certificate; OpenSSL may ask for several. More is refused. */
export const MAX_QUERIES = 16;
/** RFC 8954 §2.1: nonces of 1 to 32 octets; the extension value wraps one in an OCTET STRING (2 more). */
const MAX_NONCE_VALUE = 34;

function certId(d: Der): OcspCertQuery {
  const [alg, nameHash, keyHash, serial, ...rest] = d.expect(TAG.SEQUENCE, "CertID").children();
  if (!serial || rest.length) throw new DerError("CertID must have four elements");
  const algParts = alg.expect(TAG.SEQUENCE, "hashAlgorithm").children();
  if (algParts.length < 1 || algParts.length > 2) throw new DerError("hashAlgorithm: malformed AlgorithmIdentifier");
  return {
    certIdDer: d.raw,
    hashOid: readOid(algParts[0], "hashAlgorithm"),
    nameHash: Buffer.from(nameHash.expect(TAG.OCTET_STRING, "issuerNameHash").content),
    keyHash: Buffer.from(keyHash.expect(TAG.OCTET_STRING, "issuerKeyHash").content),
    serial: readInteger(serial, "serialNumber"),
  };
}

/** [n] EXPLICIT Extensions: the inner SEQUENCE, checked. */
function explicitExtensions(d: Der, what: string) {
  const inner = d.children();
  if (inner.length !== 1) throw new DerError(`${what}: malformed`);
  return readExtensions(inner[0]);
}

export function parseOcspRequest(der: Uint8Array): ParsedOcspRequest {
  try {
    const top = parseDer(der).expect(TAG.SEQUENCE, "OCSPRequest").children();
    if (top.length < 1 || top.length > 2 || (top[1] && top[1].tag !== ctx(0))) throw new DerError("OCSPRequest: unexpected elements");
    const t = top[0].expect(TAG.SEQUENCE, "TBSRequest").children();
    let i = 0;
    if (t[i]?.tag === ctx(0)) {
      const v = t[i++].children();
      if (v.length !== 1 || readInteger(v[0], "version") !== 0n) throw new DerError("only version 1 requests exist");
    }
    if (t[i]?.tag === ctx(1)) i++; // requestorName: not used
    if (!t[i]) throw new DerError("requestList is missing");
    const list = t[i++].expect(TAG.SEQUENCE, "requestList").children();
    let nonce: { critical: boolean; value: Uint8Array } | undefined;
    if (t[i]?.tag === ctx(2)) nonce = explicitExtensions(t[i++], "requestExtensions").find((x) => x.oid === OID.ocspNonce);
    if (i !== t.length) throw new DerError("TBSRequest: unexpected elements");
    if (!list.length) throw new OcspMalformed("the request lists no certificate");
    if (list.length > MAX_QUERIES) throw new OcspMalformed(`at most ${MAX_QUERIES} certificates per request`);
    const queries = list.map((r) => {
      const parts = r.expect(TAG.SEQUENCE, "Request").children();
      if (parts.length > 2 || (parts[1] && parts[1].tag !== ctx(0))) throw new DerError("Request: unexpected elements");
      if (parts[1]) explicitExtensions(parts[1], "singleRequestExtensions"); // well-formed, otherwise ignored
      return certId(parts[0]);
    });
    const usable = nonce && nonce.value.length > 0 && nonce.value.length <= MAX_NONCE_VALUE;
    return { queries, nonceExtension: usable ? extension(OID.ocspNonce, nonce!.critical, nonce!.value) : null };
  } catch (e) {
    if (e instanceof OcspMalformed) throw e;
    throw new OcspMalformed(`not an OCSPRequest: ${(e as Error).message}`);
  }
}
