import { InputError } from "../errors";
import { DerError, TAG, bitString, ctx, enumerated, explicit, integer, parseDer, readBitString, readInteger, readTime, readTlv, seq, time, tlvOf } from "./der";
import { decodeName } from "./dn";
import { authorityKeyIdentifierValue, decodeExtension, extension, readExtensions } from "./extensions";
import { MAX_SERIAL_EXCLUSIVE, checkSerial } from "./fingerprint";
import { parseCertificateDer, type Certificate } from "./certificate";
import { createIssuerSigner, type IssuerSigner } from "./issue";
import type { PrivateKeyInput } from "./keys";
import { OID } from "./oids";
import { pemDecodeOne } from "./pem";
import { REVOCATION_REASON_CODES, revocationReasonFromCode, type RevocationReason } from "./reasons";
import { readSignatureAlgorithm, verifySignature } from "./signature";

/**
 * X.509 v2 CRLs, written as DER directly: linear in the number of entries (one
 * pass, one buffer per entry, one final copy), unlike X509CrlGenerator (quadratic,
 * and it writes an empty crlEntryExtensions SEQUENCE, which RFC 5280 forbids).
 */

export interface CrlEntry {
  serial: bigint;
  revokedAt: Date;
  reason?: RevocationReason;
}

export interface BuildCrlOptions {
  /** The CA's signer; or give issuerCertDer + issuerPrivateKey. */
  signer?: IssuerSigner;
  issuerCertDer?: Uint8Array;
  issuerPrivateKey?: PrivateKeyInput;
  thisUpdate: Date;
  nextUpdate: Date;
  crlNumber: bigint;
  entries: Iterable<CrlEntry>;
}

// reasonCode entry extensions are constant per reason: encode each once.
const REASON_EXT = new Map<RevocationReason, Buffer>();
function reasonExtensions(r: RevocationReason): Buffer {
  let v = REASON_EXT.get(r);
  if (!v) {
    v = seq(extension(OID.cRLReason, false, enumerated(REVOCATION_REASON_CODES[r])));
    REASON_EXT.set(r, v);
  }
  return v;
}

function checkTime(d: unknown, field: string): Date {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw new InputError(field, "a valid date is required");
  const y = d.getUTCFullYear();
  if (y < 1950 || y > 9999) throw new InputError(field, `year ${y} cannot be encoded in a CRL`);
  return d;
}

export function buildCrl(o: BuildCrlOptions): Uint8Array {
  const { signer, tbs } = crlTbs(o);
  return assembleCrl(signer, tbs, signer.sign(tbs));
}

/** buildCrl for any signer, a CA key in a PKCS#11 token included. */
export async function buildCrlAsync(o: BuildCrlOptions): Promise<Uint8Array> {
  const { signer, tbs } = crlTbs(o);
  return assembleCrl(signer, tbs, await signer.signAsync(tbs));
}

function assembleCrl(signer: IssuerSigner, tbs: Buffer, sig: Uint8Array): Uint8Array {
  return new Uint8Array(tlvOf(TAG.SEQUENCE, [tbs, signer.scheme.algorithmIdentifier, bitString(sig)]));
}

function crlTbs(o: BuildCrlOptions): { signer: IssuerSigner; tbs: Buffer } {
  const signer = o.signer ?? (o.issuerCertDer && o.issuerPrivateKey ? createIssuerSigner({ certDer: o.issuerCertDer, privateKey: o.issuerPrivateKey }) : undefined);
  if (!signer) throw new InputError("issuer", "a signer or the issuer certificate and private key are required");
  const ku = signer.certificate.keyUsage;
  if (ku && !ku.includes("cRLSign")) throw new InputError("issuer", "the issuer certificate's key usage does not allow signing CRLs (cRLSign)");
  const thisUpdate = checkTime(o.thisUpdate, "thisUpdate");
  const nextUpdate = checkTime(o.nextUpdate, "nextUpdate");
  if (nextUpdate.getTime() <= thisUpdate.getTime()) throw new InputError("nextUpdate", "nextUpdate must be later than thisUpdate");
  // RFC 5280 §5.2.3: non-negative, at most 20 octets.
  if (typeof o.crlNumber !== "bigint" || o.crlNumber < 0n || o.crlNumber >= MAX_SERIAL_EXCLUSIVE) {
    throw new InputError("crlNumber", "the CRL number must be a non-negative bigint of at most 20 octets");
  }

  const encoded: Buffer[] = [];
  // A Set lookup per entry keeps this linear; duplicates would make the CRL ambiguous.
  const seen = new Set<bigint>();
  for (const e of o.entries) {
    const serial = checkSerial(e?.serial, "entries");
    if (seen.has(serial)) throw new InputError("entries", `serial ${serial} is listed twice`);
    seen.add(serial);
    const revokedAt = checkTime(e.revokedAt, "entries");
    const parts: Uint8Array[] = [integer(serial), time(revokedAt)];
    if (e.reason !== undefined) {
      if (!Object.hasOwn(REVOCATION_REASON_CODES, e.reason)) throw new InputError("entries", `unknown revocation reason ${JSON.stringify(e.reason)} for serial ${serial}`);
      if (e.reason === "removeFromCRL") throw new InputError("entries", "removeFromCRL belongs in delta CRLs only");
      // RFC 5280 §5.3.1: "unspecified" SHOULD be expressed by leaving the reason out.
      if (e.reason !== "unspecified") parts.push(reasonExtensions(e.reason));
    }
    encoded.push(tlvOf(TAG.SEQUENCE, parts));
  }

  const tbsParts: Uint8Array[] = [integer(1), signer.scheme.algorithmIdentifier, signer.nameDer, time(thisUpdate), time(nextUpdate)];
  // revokedCertificates is OPTIONAL and must be absent (not empty) when there are none.
  if (encoded.length) tbsParts.push(tlvOf(TAG.SEQUENCE, encoded));
  tbsParts.push(
    explicit(
      0,
      seq(
        extension(OID.authorityKeyIdentifier, false, authorityKeyIdentifierValue(signer.keyId)),
        extension(OID.cRLNumber, false, integer(o.crlNumber)),
      ),
    ),
  );
  return { signer, tbs: tlvOf(TAG.SEQUENCE, tbsParts) };
}

// ---------------------------------------------------------------- parsing

export interface ParsedCrl {
  der: Uint8Array;
  tbs: Uint8Array;
  signatureAlgorithm: { oid: string; name: string };
  issuer: string;
  issuerDer: Uint8Array;
  thisUpdate: Date;
  nextUpdate: Date | null;
  crlNumber: bigint | null;
  authorityKeyId: string | null;
  entries: CrlEntry[];
  signature: Uint8Array;
}

/**
 * A light, strict, linear CRL parser (DER or PEM "X509 CRL"), for tests and devices;
 * no node-count limits as with asn1js. Signature not checked: see verifyCrlSignature.
 */
export function parseCrl(input: Uint8Array | string, field = "crl"): ParsedCrl {
  let der: Uint8Array;
  if (typeof input === "string") der = pemDecodeOne(input, ["X509 CRL"], field).der;
  else if (input.length && input[0] !== 0x30) der = pemDecodeOne(Buffer.from(input).toString("utf8"), ["X509 CRL"], field).der;
  else der = input;
  try {
    const top = parseDer(der).expect(TAG.SEQUENCE, "CertificateList").children();
    if (top.length !== 3) throw new DerError("CertificateList must have three elements");
    const [tbsD, alg, sigD] = top;
    const signatureAlgorithm = readSignatureAlgorithm(alg, "signatureAlgorithm");
    const signature = readBitString(sigD, "signature").bytes;
    const t = tbsD.expect(TAG.SEQUENCE, "TBSCertList").children();
    let i = 0;
    if (t[i]?.tag === TAG.INTEGER) {
      if (readInteger(t[i++], "version") !== 1n) throw new DerError("only v2 CRLs are supported");
    }
    const innerAlg = t[i++];
    if (!innerAlg || !Buffer.from(innerAlg.raw).equals(Buffer.from(alg.raw))) throw new DerError("inner and outer signature algorithms differ");
    const issuerD = t[i++];
    if (!issuerD) throw new DerError("issuer is missing");
    const issuer = decodeName(issuerD);
    if (!t[i]) throw new DerError("thisUpdate is missing");
    const thisUpdate = readTime(t[i++], "thisUpdate");
    let nextUpdate: Date | null = null;
    if (t[i] && (t[i].tag === TAG.UTC_TIME || t[i].tag === TAG.GENERALIZED_TIME)) nextUpdate = readTime(t[i++], "nextUpdate");

    const entries: CrlEntry[] = [];
    if (t[i]?.tag === TAG.SEQUENCE) {
      const list = t[i++];
      // Walk entries without materialising the whole child list first.
      for (let off = list.contentStart; off < list.end; ) {
        const entry = readTlv(list.buf, off, list.end).expect(TAG.SEQUENCE, "revokedCertificate");
        off = entry.end;
        const ep = entry.children();
        if (ep.length < 2 || ep.length > 3) throw new DerError("revokedCertificate: wrong number of elements");
        const e: CrlEntry = { serial: readInteger(ep[0], "userCertificate"), revokedAt: readTime(ep[1], "revocationDate") };
        if (ep[2]) {
          for (const x of readExtensions(ep[2])) {
            if (x.oid !== OID.cRLReason) continue;
            const r = revocationReasonFromCode(Number(readInteger(parseDer(x.value), "reasonCode", TAG.ENUMERATED)));
            if (!r) throw new DerError("unknown reason code");
            e.reason = r;
          }
        }
        entries.push(e);
      }
      if (entries.length === 0) throw new DerError("revokedCertificates must be absent, not empty");
    }
    let crlNumber: bigint | null = null;
    let authorityKeyId: string | null = null;
    if (t[i]?.tag === ctx(0)) {
      const x = t[i++].children();
      if (x.length !== 1) throw new DerError("crlExtensions: malformed");
      for (const ext of readExtensions(x[0])) {
        if (ext.oid === OID.cRLNumber) crlNumber = readInteger(parseDer(ext.value), "cRLNumber");
        else if (ext.oid === OID.authorityKeyIdentifier) {
          const d = decodeExtension(ext.oid, ext.critical, ext.value);
          if (d.name === "authorityKeyIdentifier") authorityKeyId = d.keyId;
        } else if (ext.critical) throw new DerError(`unsupported critical CRL extension ${ext.oid}`);
      }
    }
    if (i !== t.length) throw new DerError("TBSCertList has unexpected trailing elements");
    return { der, tbs: tbsD.raw, signatureAlgorithm, issuer: issuer.text, issuerDer: issuerD.raw, thisUpdate, nextUpdate, crlNumber, authorityKeyId, entries, signature };
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(field, `the CRL is malformed: ${e instanceof DerError ? e.message : String(e)}`);
  }
}

/** True when the CRL names the issuer certificate's subject and its key verifies the signature. */
export function verifyCrlSignature(crl: ParsedCrl, issuer: Uint8Array | Certificate): boolean {
  const c = issuer instanceof Uint8Array ? parseCertificateDer(issuer, "issuerCertificate") : issuer;
  if (!Buffer.from(crl.issuerDer).equals(Buffer.from(c.subjectDer))) return false;
  try {
    return verifySignature(crl.signatureAlgorithm.oid, c.spki, crl.tbs, crl.signature);
  } catch (e) {
    throw new InputError("crl", `the CRL's ${(e as Error).message}`);
  }
}
