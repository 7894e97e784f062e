import { TAG, bitString, enumerated, explicit, octetString, oid, seq, tlv, tlvOf } from "../pki/der";
import { OID } from "../pki/oids";
import { REVOCATION_REASON_CODES, type RevocationReason } from "../pki/reasons";

/**
 * OCSP responses (RFC 6960 §4.2), written as DER directly, like CRLs (lib/pki/crl.ts): a
 * handful of concatenations around one signature, so a fresh (nonce) answer costs the
 * signature and little else. Requests are parsed with @peculiar/asn1-ocsp (request.ts);
 * tests read these responses back with it and with OpenSSL.
 */

export type OcspCertStatus = { kind: "good" } | { kind: "revoked"; at: Date; reason?: RevocationReason } | { kind: "unknown" };

/** Who signs: the issuer itself or its delegated responder certificate (signer.ts). */
export interface OcspResponder {
  /** SHA-1 of the responder's subjectPublicKey BIT STRING value: ResponderID byKey. */
  keyHash: Buffer;
  algorithmIdentifier: Buffer;
  /** Asynchronous when the issuer's key is in a PKCS#11 token (lib/keys). */
  sign(tbs: Uint8Array): Buffer | Promise<Buffer>;
  /** Certificates sent along (the delegated responder's); empty when the issuer signs. */
  certs: readonly Uint8Array[];
  /** Identifies the signing key and certificate, for the response cache. */
  id: string;
}

export interface SingleAnswer {
  certIdDer: Uint8Array;
  status: OcspCertStatus;
  thisUpdate: Date;
  nextUpdate: Date;
}

export const OCSP_RESPONSE_STATUS = { successful: 0, malformedRequest: 1, internalError: 2, tryLater: 3, sigRequired: 5, unauthorized: 6 } as const;
export type OcspErrorStatus = Exclude<keyof typeof OCSP_RESPONSE_STATUS, "successful">;

/** OCSP times are GeneralizedTime, always (RFC 6960 §4.2.2.1 via RFC 5280 §4.1.2.5.2), whole seconds. */
function generalizedTime(d: Date): Buffer {
  return tlv(TAG.GENERALIZED_TIME, Buffer.from(`${d.toISOString().slice(0, 19).replace(/[-T:]/g, "")}Z`, "latin1"));
}

const GOOD = Buffer.from([0x80, 0x00]); // [0] IMPLICIT NULL
const UNKNOWN = Buffer.from([0x82, 0x00]); // [2] IMPLICIT UnknownInfo (NULL)

function certStatus(s: OcspCertStatus): Buffer {
  if (s.kind === "good") return GOOD;
  if (s.kind === "unknown") return UNKNOWN;
  const parts: Uint8Array[] = [generalizedTime(s.at)];
  // As on the CRL: "unspecified" is said by leaving the reason out (RFC 5280 §5.3.1).
  if (s.reason && s.reason !== "unspecified") parts.push(explicit(0, enumerated(REVOCATION_REASON_CODES[s.reason])));
  return tlvOf(0xa1, parts); // [1] IMPLICIT RevokedInfo
}

function singleResponse(a: SingleAnswer): Buffer {
  return seq(a.certIdDer, certStatus(a.status), generalizedTime(a.thisUpdate), explicit(0, generalizedTime(a.nextUpdate)));
}

/** A signed, successful OCSPResponse carrying a BasicOCSPResponse. `extensions`: DER Extensions (the echoed nonce). */
export async function buildOcspResponse(r: OcspResponder, answers: readonly SingleAnswer[], producedAt: Date, extensions: readonly Uint8Array[] = []): Promise<Buffer> {
  const tbsParts: Uint8Array[] = [
    // version v1 is the DEFAULT: absent in DER. ResponderID byKey is [2] EXPLICIT KeyHash.
    explicit(2, octetString(r.keyHash)),
    generalizedTime(producedAt),
    seq(...answers.map(singleResponse)),
  ];
  if (extensions.length) tbsParts.push(explicit(1, seq(...extensions)));
  const tbs = seq(...tbsParts);
  const basicParts: Uint8Array[] = [tbs, r.algorithmIdentifier, bitString(await r.sign(tbs))];
  if (r.certs.length) basicParts.push(explicit(0, seq(...r.certs)));
  const basic = seq(...basicParts);
  return seq(enumerated(OCSP_RESPONSE_STATUS.successful), explicit(0, seq(oid(OID.ocspBasic), octetString(basic))));
}

const ERRORS = new Map<OcspErrorStatus, Buffer>(
  (Object.keys(OCSP_RESPONSE_STATUS) as (keyof typeof OCSP_RESPONSE_STATUS)[]).filter((k): k is OcspErrorStatus => k !== "successful").map((k) => [k, seq(enumerated(OCSP_RESPONSE_STATUS[k]))]),
);

/** An unsuccessful OCSPResponse: the status alone, unsigned (RFC 6960 §4.2.1). */
export function ocspErrorResponse(status: OcspErrorStatus): Buffer {
  return ERRORS.get(status)!;
}
