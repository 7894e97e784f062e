import nodeCrypto from "node:crypto";
import {
  Der,
  DerError,
  TAG,
  boolean,
  ctx,
  ctxPrim,
  integer,
  octetString,
  oid,
  readBitString,
  readBoolean,
  readInteger,
  readOid,
  readSmallInt,
  readTlv,
  seq,
  tlv,
  tlvOf,
} from "./der";
import { decodeName } from "./dn";
import { OID } from "./oids";
import { EXT_KEY_USAGE_OIDS, KEY_USAGE_BITS, type KeyUsageName } from "./profiles";
import { formatIpBytes, type San } from "./san";
import { serialToColonHex } from "./fingerprint";
import { decodeNameConstraints, nameConstraintsText, type DecodedNameConstraints } from "./nameConstraints";

/** X.509 extensions: DER encoders for what Rootline writes, decoders for display. */

// ---------------------------------------------------------------- encoders

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING } */
export function extension(extnId: string, critical: boolean, value: Uint8Array): Buffer {
  // DER omits a BOOLEAN equal to its DEFAULT, so "critical" appears only when true.
  return critical ? seq(oid(extnId), boolean(true), octetString(value)) : seq(oid(extnId), octetString(value));
}

export function basicConstraintsValue(ca: boolean, pathLen?: number): Buffer {
  if (!ca) return seq(); // cA DEFAULT FALSE → empty SEQUENCE
  return pathLen === undefined ? seq(boolean(true)) : seq(boolean(true), integer(pathLen));
}

/** KeyUsage as a DER named-bit BIT STRING: trailing zero bits are dropped. */
export function keyUsageValue(names: readonly KeyUsageName[]): Buffer {
  let bits = 0;
  for (const n of names) {
    const i = KEY_USAGE_BITS.indexOf(n);
    if (i < 0) throw new Error(`unknown key usage ${n}`);
    bits |= 1 << i;
  }
  if (bits === 0) throw new Error("key usage must not be empty");
  const highest = 31 - Math.clz32(bits);
  const nBytes = (highest >> 3) + 1;
  const out = Buffer.alloc(nBytes);
  for (let i = 0; i <= highest; i++) if (bits & (1 << i)) out[i >> 3] |= 0x80 >> (i & 7);
  const unused = nBytes * 8 - 1 - highest;
  return tlvOf(TAG.BIT_STRING, [Uint8Array.of(unused), out]);
}

export function extKeyUsageValue(names: readonly (keyof typeof EXT_KEY_USAGE_OIDS)[]): Buffer {
  return seq(...names.map((n) => oid(EXT_KEY_USAGE_OIDS[n])));
}

export const subjectKeyIdentifierValue = (keyId: Uint8Array): Buffer => octetString(keyId);

/** AuthorityKeyIdentifier with keyIdentifier [0] only (RFC 5280 §4.2.1.1). */
export const authorityKeyIdentifierValue = (keyId: Uint8Array): Buffer => seq(tlv(ctxPrim(0), keyId));

/** cRLDistributionPoints with one fullName URI per distribution point. */
export function crlDistributionPointsValue(uris: readonly string[]): Buffer {
  return seq(...uris.map((u) => seq(tlvOf(ctx(0), [tlvOf(ctx(0), [tlv(ctxPrim(6), Buffer.from(u, "latin1"))])]))));
}

/**
 * authorityInfoAccess (RFC 5280 §4.2.2.1): where the issuing CA's OCSP responder is (first,
 * as public CAs write it) and where its certificate is (caIssuers); each URI optional.
 */
export function authorityInfoAccessValue(caIssuersUri: string | undefined, ocspUri?: string): Buffer {
  const uri = (u: string) => tlv(ctxPrim(6), Buffer.from(u, "latin1"));
  const ads: Buffer[] = [];
  if (ocspUri) ads.push(seq(oid(OID.ocsp), uri(ocspUri)));
  if (caIssuersUri) ads.push(seq(oid(OID.caIssuers), uri(caIssuersUri)));
  return seq(...ads);
}

/**
 * Key identifier per RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT
 * STRING value. Same as OpenSSL's "hash", so identifiers match OpenSSL-made CAs.
 */
export function keyIdentifierOfSpki(spki: Uint8Array): Buffer {
  const parts = readTlv(spki, 0).expect(TAG.SEQUENCE, "SubjectPublicKeyInfo").children();
  const { bytes } = readBitString(parts[1], "subjectPublicKey");
  return nodeCrypto.createHash("sha1").update(bytes).digest();
}

// ---------------------------------------------------------------- decoders

export type DecodedExtension = {
  oid: string;
  critical: boolean;
  /** One-line display text. */
  text: string;
} & (
  | { name: "basicConstraints"; ca: boolean; pathLen: number | null }
  | { name: "keyUsage"; usages: KeyUsageName[] }
  | { name: "extKeyUsage"; usages: string[] }
  | { name: "subjectAltName"; names: string[]; sans: San[] }
  | { name: "subjectKeyIdentifier"; keyId: string }
  | { name: "authorityKeyIdentifier"; keyId: string | null; issuer: string[]; serial: string | null }
  | { name: "cRLDistributionPoints"; uris: string[] }
  | { name: "authorityInfoAccess"; caIssuers: string[]; ocsp: string[] }
  | { name: "nameConstraints"; constraints: DecodedNameConstraints }
  | { name: "other"; valueHex: string }
);

export const EXTENSION_NAMES: Readonly<Record<string, string>> = {
  [OID.basicConstraints]: "basicConstraints",
  [OID.keyUsage]: "keyUsage",
  [OID.extKeyUsage]: "extKeyUsage",
  [OID.subjectAltName]: "subjectAltName",
  [OID.subjectKeyIdentifier]: "subjectKeyIdentifier",
  [OID.authorityKeyIdentifier]: "authorityKeyIdentifier",
  [OID.cRLDistributionPoints]: "cRLDistributionPoints",
  [OID.authorityInfoAccess]: "authorityInfoAccess",
  [OID.certificatePolicies]: "certificatePolicies",
  [OID.nameConstraints]: "nameConstraints",
  [OID.issuerAltName]: "issuerAltName",
  [OID.cRLNumber]: "cRLNumber",
  [OID.cRLReason]: "cRLReason",
};

const EKU_NAMES: Record<string, string> = Object.fromEntries(Object.entries(EXT_KEY_USAGE_OIDS).map(([k, v]) => [v, k]));

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const colonHex = (b: Uint8Array) => (Buffer.from(b).toString("hex").match(/../g) ?? []).join(":").toUpperCase();

/** One GeneralName as display text ("DNS:x", "IP:x", "URI:x", ...) and, for DNS/IP, typed. */
export function decodeGeneralName(g: Der): { text: string; san?: San } {
  const ascii = () => {
    const s = Buffer.from(g.content).toString("latin1");
    if (/[^\x20-\x7e]/.test(s)) throw new DerError("GeneralName: non-printable characters in an IA5String");
    return s;
  };
  switch (g.tag) {
    case ctxPrim(1):
      return { text: `email:${ascii()}` };
    case ctxPrim(2): {
      const v = ascii();
      return { text: `DNS:${v}`, san: { type: "dns", value: v } };
    }
    case ctxPrim(6):
      return { text: `URI:${ascii()}` };
    case ctxPrim(7): {
      if (g.length !== 4 && g.length !== 16) throw new DerError(`GeneralName: an IP address has 4 or 16 bytes, not ${g.length}`);
      const v = formatIpBytes(g.content);
      return { text: `IP:${v}`, san: { type: "ip", value: v } };
    }
    case ctx(4):
      return { text: `dirName:${decodeName(g.children()[0]).text}` };
    case ctx(0):
      return { text: `otherName:${readOid(g.children()[0], "otherName")}` };
    case ctxPrim(8):
      return { text: `RID:${readOid(g, "registeredID", ctxPrim(8))}` };
    default:
      return { text: `GeneralName[${g.tag & 0x1f}]:${hex(g.content)}` };
  }
}

function decodeGeneralNames(d: Der): { names: string[]; sans: San[] } {
  const names: string[] = [];
  const sans: San[] = [];
  for (const g of d.children()) {
    const r = decodeGeneralName(g);
    names.push(r.text);
    if (r.san) sans.push(r.san);
  }
  return { names, sans };
}

/** Decodes a DER OCTET STRING's content as exactly one TLV. */
function inner(value: Uint8Array): Der {
  const d = readTlv(value, 0, value.length);
  if (d.end !== value.length) throw new DerError("trailing bytes in extension value");
  return d;
}

export function decodeExtension(extnId: string, critical: boolean, value: Uint8Array): DecodedExtension {
  const base = { oid: extnId, critical };
  switch (extnId) {
    case OID.basicConstraints: {
      const parts = inner(value).expect(TAG.SEQUENCE, "basicConstraints").children();
      let i = 0;
      let ca = false;
      // An explicit cA FALSE is not DER, but common in old certificates; Go accepts it too.
      if (parts[i]?.tag === TAG.BOOLEAN) ca = readBoolean(parts[i++], "basicConstraints.cA");
      const pathLen = parts[i] ? readSmallInt(parts[i++], "basicConstraints.pathLen") : null;
      if (i !== parts.length) throw new DerError("basicConstraints: unexpected elements");
      return { ...base, name: "basicConstraints", ca, pathLen, text: `CA:${ca ? "TRUE" : "FALSE"}${pathLen !== null ? `, pathlen:${pathLen}` : ""}` };
    }
    case OID.keyUsage: {
      const { bytes, unusedBits } = readBitString(inner(value), "keyUsage", false);
      const usages: KeyUsageName[] = [];
      const nbits = bytes.length * 8 - unusedBits;
      for (let i = 0; i < nbits; i++) {
        if (bytes[i >> 3] & (0x80 >> (i & 7))) {
          if (i >= KEY_USAGE_BITS.length) throw new DerError(`keyUsage: unknown bit ${i}`);
          usages.push(KEY_USAGE_BITS[i]);
        }
      }
      return { ...base, name: "keyUsage", usages, text: usages.join(", ") };
    }
    case OID.extKeyUsage: {
      const usages = inner(value)
        .expect(TAG.SEQUENCE, "extKeyUsage")
        .children()
        .map((o) => {
          const s = readOid(o, "extKeyUsage");
          return EKU_NAMES[s] ?? s;
        });
      return { ...base, name: "extKeyUsage", usages, text: usages.join(", ") };
    }
    case OID.subjectAltName: {
      const { names, sans } = decodeGeneralNames(inner(value).expect(TAG.SEQUENCE, "subjectAltName"));
      return { ...base, name: "subjectAltName", names, sans, text: names.join(", ") };
    }
    case OID.subjectKeyIdentifier: {
      const keyId = Buffer.from(inner(value).expect(TAG.OCTET_STRING, "subjectKeyIdentifier").content);
      return { ...base, name: "subjectKeyIdentifier", keyId: hex(keyId), text: colonHex(keyId) };
    }
    case OID.authorityKeyIdentifier: {
      let keyId: string | null = null;
      let issuer: string[] = [];
      let serial: string | null = null;
      for (const p of inner(value).expect(TAG.SEQUENCE, "authorityKeyIdentifier").children()) {
        if (p.tag === ctxPrim(0)) keyId = hex(p.content);
        else if (p.tag === ctx(1)) issuer = decodeGeneralNames(p).names;
        else if (p.tag === ctxPrim(2)) serial = serialToColonHex(readInteger(p, "authorityCertSerialNumber", ctxPrim(2)));
        else throw new DerError("authorityKeyIdentifier: unexpected element");
      }
      const text = [keyId && `keyid:${colonHex(Buffer.from(keyId, "hex"))}`, ...issuer, serial && `serial:${serial}`].filter(Boolean).join(", ");
      return { ...base, name: "authorityKeyIdentifier", keyId, issuer, serial, text };
    }
    case OID.cRLDistributionPoints: {
      const uris: string[] = [];
      for (const dp of inner(value).expect(TAG.SEQUENCE, "cRLDistributionPoints").children()) {
        for (const f of dp.expect(TAG.SEQUENCE, "DistributionPoint").children()) {
          if (f.tag !== ctx(0)) continue; // reasons / cRLIssuer: shown via the URIs only
          const name = f.children()[0];
          if (name?.tag !== ctx(0)) continue; // nameRelativeToCRLIssuer
          uris.push(...decodeGeneralNames(name).names);
        }
      }
      return { ...base, name: "cRLDistributionPoints", uris, text: uris.join(", ") };
    }
    case OID.authorityInfoAccess: {
      const caIssuers: string[] = [];
      const ocsp: string[] = [];
      for (const ad of inner(value).expect(TAG.SEQUENCE, "authorityInfoAccess").children()) {
        const [method, location] = ad.expect(TAG.SEQUENCE, "AccessDescription").children();
        const m = readOid(method, "accessMethod");
        const loc = decodeGeneralName(location).text;
        if (m === OID.caIssuers) caIssuers.push(loc);
        else if (m === OID.ocsp) ocsp.push(loc);
      }
      const text = [...caIssuers.map((u) => `CA Issuers - ${u}`), ...ocsp.map((u) => `OCSP - ${u}`)].join(", ");
      return { ...base, name: "authorityInfoAccess", caIssuers, ocsp, text };
    }
    case OID.nameConstraints: {
      const constraints = decodeNameConstraints(value);
      return { ...base, name: "nameConstraints", constraints, text: nameConstraintsText(constraints) };
    }
    default:
      return { ...base, name: "other", valueHex: hex(value), text: `${EXTENSION_NAMES[extnId] ?? extnId}: ${hex(value)}` };
  }
}

/**
 * Reads an Extensions SEQUENCE into (oid, critical, value) triples; duplicate
 * extensions are an error (RFC 5280 §4.2).
 */
export function readExtensions(d: Der): { oid: string; critical: boolean; value: Uint8Array }[] {
  const out: { oid: string; critical: boolean; value: Uint8Array }[] = [];
  const seen = new Set<string>();
  for (const e of d.expect(TAG.SEQUENCE, "Extensions").children()) {
    const parts = e.expect(TAG.SEQUENCE, "Extension").children();
    if (parts.length < 2 || parts.length > 3) throw new DerError("Extension: wrong number of elements");
    const id = readOid(parts[0], "extnID");
    let critical = false;
    // An explicit critical FALSE is not DER but occurs in the wild; accepted like Go does.
    if (parts.length === 3) critical = readBoolean(parts[1], "critical");
    const value = parts[parts.length - 1].expect(TAG.OCTET_STRING, "extnValue").content;
    if (seen.has(id)) throw new DerError(`extension ${EXTENSION_NAMES[id] ?? id} appears twice`);
    seen.add(id);
    out.push({ oid: id, critical, value });
  }
  if (out.length === 0) throw new DerError("Extensions must not be empty");
  return out;
}
