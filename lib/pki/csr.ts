import { InputError } from "../errors";
import { Der, DerError, TAG, ctx, parseDer, readBitString, readInteger, readOid } from "./der";
import { checkRequestedName, decodeName } from "./dn";
import { decodeGeneralName, readExtensions } from "./extensions";
import { keyTypeOfSpki, spkiSha256Hex, type KeyType } from "./keys";
import { OID } from "./oids";
import { derFromUpload } from "./pem";
import { formatSan, validateDnsName, type San } from "./san";
import { readSignatureAlgorithm, verifySignature } from "./signature";

export interface ParsedCsr {
  der: Uint8Array;
  /** Display form, e.g. "CN=device-17, O=Acme"; "" for an empty subject. */
  subject: string;
  subjectDer: Uint8Array;
  commonName: string | null;
  publicKeySpki: Uint8Array;
  keyType: KeyType;
  /** SANs requested in the extensionRequest attribute (validated DNS/IP only). */
  sans: San[];
  spkiSha256: string;
  signatureAlgorithm: string;
}

const FIELD = "csr";
const LABELS = ["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"];

const malformed = (why: string) => new InputError(FIELD, `the CSR is malformed: ${why}`);

/** The structural parse: every part of the CSR, or DerError. */
function structure(der: Uint8Array) {
  const top = parseDer(der).expect(TAG.SEQUENCE, "CertificationRequest").children();
  if (top.length !== 3) throw new DerError("CertificationRequest must have three elements");
  const [cri, alg, sig] = top;
  const info = cri.expect(TAG.SEQUENCE, "certificationRequestInfo").children();
  if (info.length !== 4) throw new DerError("certificationRequestInfo must have four elements");
  if (readInteger(info[0], "version") !== 0n) throw new DerError("unknown CSR version");
  const [, subjectD, spkiD, attrs] = info;
  attrs.expect(ctx(0), "attributes");
  return {
    cri: cri.raw,
    subjectD,
    subjectDer: subjectD.raw,
    subject: decodeName(subjectD),
    spki: spkiD.expect(TAG.SEQUENCE, "subjectPKInfo").raw,
    attrs,
    sigAlg: readSignatureAlgorithm(alg, "signatureAlgorithm"),
    signature: readBitString(sig, "signature").bytes,
  };
}

/**
 * Parses and checks a PKCS#10 CSR (PEM or DER). Strict, in this order:
 * structure → key type offered by Rootline → signature → subject rules (dn.ts) →
 * requested SANs.
 * Async for API stability (a future HSM/WebCrypto path); the work is synchronous.
 */
export async function parseCsr(input: Uint8Array | string): Promise<ParsedCsr> {
  const der = derFromUpload(input, LABELS, FIELD);
  let s: ReturnType<typeof structure>;
  try {
    s = structure(der);
  } catch (e) {
    throw malformed(e instanceof DerError ? e.message : String(e));
  }

  let keyType: KeyType;
  try {
    keyType = keyTypeOfSpki(s.spki, FIELD);
  } catch (e) {
    throw new InputError(FIELD, `the CSR's ${(e as Error).message.replace(/^the /, "")}`);
  }

  let ok: boolean;
  try {
    ok = verifySignature(s.sigAlg.oid, s.spki, s.cri, s.signature);
  } catch (e) {
    throw new InputError(FIELD, `the CSR's ${(e as Error).message}`);
  }
  if (!ok) throw new InputError(FIELD, "the CSR's signature does not verify");
  // The subject is copied into the certificate byte for byte: it must follow the
  // builder's rules (string types, lengths, characters), or OpenSSL may not read it.
  checkRequestedName(s.subjectD, FIELD, "the CSR's subject");

  return {
    der,
    subject: s.subject.text,
    subjectDer: s.subjectDer,
    commonName: s.subject.commonName,
    publicKeySpki: s.spki,
    keyType,
    sans: requestedSans(s.attrs),
    spkiSha256: spkiSha256Hex(s.spki),
    signatureAlgorithm: s.sigAlg.name,
  };
}

/** DNS and IP SANs from the extensionRequest attribute; other name types are refused. */
function requestedSans(attrs: Der): San[] {
  const sans: San[] = [];
  try {
    for (const a of attrs.children()) {
      const parts = a.expect(TAG.SEQUENCE, "Attribute").children();
      if (parts.length !== 2) throw new DerError("Attribute must have a type and a value set");
      if (readOid(parts[0], "attribute type") !== OID.extensionRequest) continue; // e.g. challengePassword
      const values = parts[1].expect(TAG.SET, "extensionRequest values").children();
      if (values.length !== 1) throw new DerError("extensionRequest must have exactly one value");
      for (const ext of readExtensions(values[0])) {
        if (ext.oid !== OID.subjectAltName) continue; // the profile decides every other extension
        const gns = parseDer(ext.value).expect(TAG.SEQUENCE, "subjectAltName").children();
        for (const g of gns) {
          const { text, san } = decodeGeneralName(g);
          if (!san) throw new InputError(FIELD, `the CSR requests the SAN ${text}; only DNS and IP names are issued`);
          const v: San = san.type === "dns" ? { type: "dns", value: validateDnsName(san.value, FIELD) } : san;
          if (sans.some((x) => x.type === v.type && x.value === v.value)) throw new InputError(FIELD, `the CSR requests the SAN ${formatSan(v)} twice`);
          sans.push(v);
        }
      }
    }
  } catch (e) {
    if (e instanceof InputError) throw new InputError(FIELD, e.message.startsWith("the CSR") ? e.message : `the CSR requests an invalid SAN: ${e.message}`);
    throw malformed(e instanceof DerError ? e.message : String(e));
  }
  return sans;
}
