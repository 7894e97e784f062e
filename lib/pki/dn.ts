import { InputError, InputErrors } from "../errors";
import { Der, DerError, TAG, oid, printableString, readOid, readString, readTlv, seq, set, utf8String } from "./der";
import { OID } from "./oids";

/**
 * Subject distinguished names: the six attributes Rootline writes, built strictly,
 * plus display of any Name found in a certificate, CSR or CRL.
 */
export type DnKey = "CN" | "O" | "OU" | "C" | "ST" | "L";
export type DnFields = Partial<Record<DnKey, string>>;

/** A validated, encoded Name. `text` is the display form (formatDn of `der`). */
export interface Dn {
  der: Buffer;
  text: string;
  fields: DnFields;
}

interface AttrSpec {
  key: DnKey;
  oid: string;
  aliases: string[];
}

/**
 * Longest value of each attribute, in characters: RFC 5280 Appendix A upper bounds;
 * givenName/surname (ub-name 32768 there) are capped at 64 like CN. One table for names
 * Rootline builds and names that arrive in requests.
 */
const MAX_CHARS: Readonly<Record<string, number>> = {
  [OID.countryName]: 2,
  [OID.stateOrProvinceName]: 128,
  [OID.localityName]: 128,
  [OID.streetAddress]: 128,
  [OID.organizationName]: 64,
  [OID.organizationalUnitName]: 64,
  [OID.title]: 64,
  [OID.commonName]: 64,
  [OID.givenName]: 64,
  [OID.surname]: 64,
  [OID.serialNumber]: 64,
  [OID.emailAddress]: 255,
  [OID.domainComponent]: 63,
};

/** Encoding order, most general first (as OpenSSL and Go write it). */
const ATTRS: readonly AttrSpec[] = [
  { key: "C", oid: OID.countryName, aliases: ["countryname"] },
  { key: "ST", oid: OID.stateOrProvinceName, aliases: ["stateorprovincename"] },
  { key: "L", oid: OID.localityName, aliases: ["localityname"] },
  { key: "O", oid: OID.organizationName, aliases: ["organizationname"] },
  { key: "OU", oid: OID.organizationalUnitName, aliases: ["organizationalunitname"] },
  { key: "CN", oid: OID.commonName, aliases: ["commonname"] },
];
export const DN_KEYS: readonly DnKey[] = ATTRS.map((a) => a.key);
const BY_NAME = new Map<string, AttrSpec>();
for (const a of ATTRS) for (const n of [a.key.toLowerCase(), ...a.aliases]) BY_NAME.set(n, a);

/** Short names for display; anything else is shown as its dotted OID. */
const SHORT_NAMES: Readonly<Record<string, string>> = {
  [OID.commonName]: "CN",
  [OID.countryName]: "C",
  [OID.localityName]: "L",
  [OID.stateOrProvinceName]: "ST",
  [OID.organizationName]: "O",
  [OID.organizationalUnitName]: "OU",
  [OID.serialNumber]: "serialNumber",
  [OID.streetAddress]: "street",
  [OID.title]: "title",
  [OID.givenName]: "GN",
  [OID.surname]: "SN",
  [OID.domainComponent]: "DC",
  [OID.emailAddress]: "emailAddress",
};

/**
 * Characters no name value may hold: C0 controls (NUL, newline, ...), DEL, C1
 * controls, lone surrogates (not representable in UTF-8), and the bidirectional
 * formatting characters (U+202A-U+202E, U+2066-U+2069, LRM/RLM/ALM), which make a
 * name display as something other than what it is ("moc.elpmaxe" shown reversed).
 */
const BAD_CHARS =
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const BAD_CHARS_TEXT = "control characters, bidirectional overrides or invalid Unicode";

/** What is wrong with a value of attribute `oid` (shown as `type`), or null: the rules built and requested names share. */
function valueProblem(oid: string, type: string, v: string): string | null {
  if (v.trim() === "") return `${type} must not be empty`;
  if (BAD_CHARS.test(v)) return `${type} contains ${BAD_CHARS_TEXT}`;
  const country = oid === OID.countryName;
  const len = [...v].length;
  if (len > MAX_CHARS[oid]) return `${type} is ${len} characters long; at most ${MAX_CHARS[oid]} are allowed${country ? " (a two-letter country code, ISO 3166)" : ""}`;
  return country && !/^[A-Za-z]{2}$/.test(v) ? `C must be a two-letter country code (ISO 3166), got "${v}"` : null;
}

function validateValue(spec: AttrSpec, raw: unknown, field: string): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== "string") throw new InputError(field, `${spec.key} must be text`);
  const v = raw.trim();
  const problem = valueProblem(spec.oid, spec.key, v);
  if (problem) throw new InputError(field, problem);
  return spec.key === "C" ? v.toUpperCase() : v;
}

function encodeFields(fields: DnFields): Buffer {
  const rdns: Buffer[] = [];
  for (const a of ATTRS) {
    const v = fields[a.key];
    if (v === undefined) continue;
    // RFC 5280 §4.1.2.6: countryName is PrintableString; everything else UTF8String.
    const value = a.key === "C" ? printableString(v) : utf8String(v);
    rdns.push(set(seq(oid(a.oid), value)));
  }
  return seq(...rdns);
}

/**
 * Builds a subject Name from fields or from a string such as "CN=x, O=y, C=DE".
 * Strict: unknown attribute types, duplicates, empty values, bad country codes and
 * over-long values are InputErrors on `field`. Attribute order in the input does not
 * matter; the Name is always written C, ST, L, O, OU, CN.
 */
export function buildDn(input: DnFields | string, field = "subject"): Dn {
  let raw: Record<string, unknown>;
  if (typeof input === "string") raw = parseDnString(input, field);
  else if (input && typeof input === "object") raw = input as Record<string, unknown>;
  else throw new InputError(field, "a subject is required");

  for (const k of Object.keys(raw)) {
    if (!(DN_KEYS as readonly string[]).includes(k)) throw new InputError(field, `unknown attribute type "${k}"; allowed: ${DN_KEYS.join(", ")}`);
  }
  const fields: DnFields = {};
  // Every attribute at fault, each under its own name (`subject.C`), so a form marks them all at once.
  const problems: { field: string; message: string }[] = [];
  for (const a of ATTRS) {
    try {
      const v = validateValue(a, raw[a.key], field);
      if (v !== undefined) fields[a.key] = v;
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      problems.push({ field: `${field}.${a.key}`, message: err.message });
    }
  }
  if (problems.length) throw new InputErrors(problems, field);
  if (Object.keys(fields).length === 0) throw new InputError(field, "the subject needs at least one attribute, e.g. CN");
  const der = encodeFields(fields);
  return { der, text: formatDn(der), fields };
}

/**
 * Parses the string form (RFC 4514 syntax, any attribute order, optional spaces
 * around "=" and after ","). Escapes: backslash before a special character, or
 * two hex digits. Multi-valued RDNs ("+") are refused.
 */
/** A DN string longer than this is refused unparsed (each attribute has its own, smaller limit). */
const MAX_DN_STRING = 4096;

export function parseDnString(s: string, field = "subject"): DnFields {
  if (typeof s !== "string" || s.trim() === "") throw new InputError(field, "the subject is empty");
  // Every attribute's upper bound together is far below this; refuse before parsing.
  if (s.length > MAX_DN_STRING) throw new InputError(field, `the subject is too long (${s.length} characters; at most ${MAX_DN_STRING})`);
  const chars = Array.from(s); // code points, so surrogate pairs stay whole
  const out: Record<string, string> = {};
  let type = "";
  let value: number[] = []; // UTF-8 bytes, because "\\XX" escapes are bytes
  let inValue = false;
  let trailingSpaces = 0; // unescaped trailing spaces are insignificant (RFC 4514 §3)

  const finish = () => {
    const t = type.trim();
    if (!inValue) throw new InputError(field, `"${t || s.trim()}" is not of the form TYPE=value`);
    const spec = BY_NAME.get(t.toLowerCase());
    if (!spec) throw new InputError(field, `unknown attribute type "${t}"; allowed: ${DN_KEYS.join(", ")}`);
    if (spec.key in out) throw new InputError(field, `${spec.key} appears more than once`);
    const bytes = Buffer.from(value.slice(0, value.length - trailingSpaces));
    const text = bytes.toString("utf8");
    if (!Buffer.from(text, "utf8").equals(bytes)) throw new InputError(field, `${spec.key} contains invalid UTF-8 escapes`);
    out[spec.key] = text;
    type = "";
    value = [];
    inValue = false;
    trailingSpaces = 0;
  };

  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i];
    if (!inValue) {
      if (ch === "=") inValue = true;
      else if (ch === "," || ch === "+" || ch === "\\") throw new InputError(field, `"${(type + ch).trim()}" is not of the form TYPE=value`);
      else type += ch;
      continue;
    }
    if (ch === "\\") {
      const a = chars[i + 1] ?? "";
      const b = chars[i + 2] ?? "";
      if (/^[0-9a-fA-F]$/.test(a) && /^[0-9a-fA-F]$/.test(b)) {
        value.push(parseInt(a + b, 16));
        i += 2;
      } else if (a !== "" && ` "#+,;<=>\\`.includes(a)) {
        value.push(a.charCodeAt(0));
        i += 1;
      } else {
        throw new InputError(field, a === "" ? "the subject ends with a lone backslash" : `invalid escape "\\${a}" in the subject`);
      }
      trailingSpaces = 0;
      continue;
    }
    if (ch === ",") {
      finish();
      continue;
    }
    if (ch === "+") throw new InputError(field, 'multi-valued RDNs ("+") are not supported');
    if (`";<>`.includes(ch)) throw new InputError(field, `the character ${ch} must be escaped with a backslash`);
    if (ch === " " && value.length === 0) continue; // spaces after "=" are insignificant
    trailingSpaces = ch === " " ? trailingSpaces + 1 : 0;
    value.push(...Buffer.from(ch, "utf8"));
  }
  finish();
  return out;
}

// ---------------------------------------------------------------- names from requests

/**
 * Rules for a Name that arrives from outside (a CSR's subject), which Rootline copies
 * byte for byte into the certificate: the same attribute types, string types, length
 * limits and characters as the builder, so every issued certificate has a subject that
 * OpenSSL, Go and browsers read and show as what it is.
 *
 * String types: RFC 5280 §4.1.2.6 says new certificates use PrintableString or
 * UTF8String for DirectoryString; countryName and serialNumber are PrintableString
 * (X.520), emailAddress and domainComponent IA5String. Limits: RFC 5280 Appendix A
 * upper bounds; givenName/surname (ub-name 32768 there) are capped at 64 like CN.
 */
interface NameRule {
  tags: readonly number[];
  /** May appear in several RDNs (OU=a, OU=b; DC=example, DC=com). */
  repeatable?: boolean;
}
const DIRECTORY_STRING = [TAG.UTF8_STRING, TAG.PRINTABLE_STRING] as const;
const NAME_RULES: Readonly<Record<string, NameRule>> = {
  [OID.countryName]: { tags: [TAG.PRINTABLE_STRING] },
  [OID.stateOrProvinceName]: { tags: DIRECTORY_STRING },
  [OID.localityName]: { tags: DIRECTORY_STRING },
  [OID.streetAddress]: { tags: DIRECTORY_STRING },
  [OID.organizationName]: { tags: DIRECTORY_STRING },
  [OID.organizationalUnitName]: { tags: DIRECTORY_STRING, repeatable: true },
  [OID.title]: { tags: DIRECTORY_STRING },
  [OID.commonName]: { tags: DIRECTORY_STRING },
  [OID.givenName]: { tags: DIRECTORY_STRING },
  [OID.surname]: { tags: DIRECTORY_STRING },
  [OID.serialNumber]: { tags: [TAG.PRINTABLE_STRING] },
  [OID.emailAddress]: { tags: [TAG.IA5_STRING] },
  [OID.domainComponent]: { tags: [TAG.IA5_STRING], repeatable: true },
};
export const REQUESTABLE_NAME_TYPES: readonly string[] = Object.keys(NAME_RULES).map((o) => SHORT_NAMES[o]);
const MAX_RDNS = 16;
const TAG_NAMES: Readonly<Record<number, string>> = {
  [TAG.UTF8_STRING]: "UTF8String",
  [TAG.PRINTABLE_STRING]: "PrintableString",
  [TAG.IA5_STRING]: "IA5String",
};
const tagName = (t: number) => TAG_NAMES[t] ?? `tag 0x${t.toString(16)}`;

/**
 * Checks a Name from a request against the rules above; returns its decoded form.
 * Throws InputError(field) naming the attribute and the rule it breaks.
 */
export function checkRequestedName(name: Der, field: string, what = "the subject"): DecodedName {
  const bad = (msg: string) => new InputError(field, `${what}: ${msg}`);
  const rdns = name.expect(TAG.SEQUENCE, "Name").children();
  if (rdns.length > MAX_RDNS) throw bad(`${rdns.length} attributes; at most ${MAX_RDNS} are allowed`);
  const seen = new Set<string>();
  for (const rdn of rdns) {
    const atvs = rdn.expect(TAG.SET, "RelativeDistinguishedName").children();
    if (atvs.length !== 1) throw bad('multi-valued RDNs ("+") are not supported');
    const parts = atvs[0].expect(TAG.SEQUENCE, "AttributeTypeAndValue").children();
    if (parts.length !== 2) throw new DerError("Name: malformed AttributeTypeAndValue");
    const o = readOid(parts[0], "attribute type");
    const rule = NAME_RULES[o];
    if (!rule) throw bad(`the attribute type ${SHORT_NAMES[o] ?? o} is not issued; allowed: ${REQUESTABLE_NAME_TYPES.join(", ")}`);
    const type = SHORT_NAMES[o];
    if (seen.has(o) && !rule.repeatable) throw bad(`${type} appears more than once`);
    seen.add(o);
    const valueD = parts[1];
    if (!rule.tags.includes(valueD.tag)) throw bad(`${type} must be ${rule.tags.map(tagName).join(" or ")}, not ${tagName(valueD.tag)}`);
    let v: string;
    try {
      v = readString(valueD, type);
    } catch (e) {
      throw bad((e as Error).message);
    }
    const problem = valueProblem(o, type, v);
    if (problem) throw bad(problem);
  }
  return decodeName(name);
}

// ---------------------------------------------------------------- display

export interface NameAttribute {
  oid: string;
  /** Short name (CN, O, ...) or the dotted OID. */
  type: string;
  /** The decoded text, or null when the value is not a string type. */
  value: string | null;
}

export interface DecodedName {
  /** RDNs in encoding order; each RDN is a set of attributes. */
  rdns: NameAttribute[][];
  /** RFC 4514 display form, most specific RDN first. */
  text: string;
  /** The last (most specific) CN, as TLS stacks use it; null when absent. */
  commonName: string | null;
}

function escapeValue(v: string): string {
  let out = "";
  for (let i = 0; i < v.length; i++) {
    const ch = v[i];
    if (`"+,;<>\\=`.includes(ch) || (i === 0 && (ch === "#" || ch === " ")) || (i === v.length - 1 && ch === " ")) out += "\\" + ch;
    else if (/[\u0000-\u001f\u007f]/.test(ch)) out += "\\" + ch.charCodeAt(0).toString(16).padStart(2, "0");
    else out += ch;
  }
  return out;
}

/** Decodes any Name (strict DER; unknown attribute types are kept and shown by OID). */
export function decodeName(name: Der): DecodedName {
  const rdns: NameAttribute[][] = [];
  const shown: string[] = [];
  let commonName: string | null = null;
  for (const rdn of name.expect(TAG.SEQUENCE, "Name").children()) {
    const atvs = rdn.expect(TAG.SET, "RelativeDistinguishedName").children();
    if (atvs.length === 0) throw new DerError("Name: empty RelativeDistinguishedName");
    const attrs: NameAttribute[] = [];
    for (const atv of atvs) {
      const parts = atv.expect(TAG.SEQUENCE, "AttributeTypeAndValue").children();
      if (parts.length !== 2) throw new DerError("Name: malformed AttributeTypeAndValue");
      const o = readOid(parts[0], "attribute type");
      let value: string | null;
      try {
        value = readString(parts[1], `attribute ${SHORT_NAMES[o] ?? o}`);
      } catch (e) {
        // Non-string values exist (rare); known string attributes must decode.
        if (SHORT_NAMES[o]) throw e;
        value = null;
      }
      attrs.push({ oid: o, type: SHORT_NAMES[o] ?? o, value });
      if (o === OID.commonName && value !== null) commonName = value;
    }
    rdns.push(attrs);
    shown.unshift(
      attrs
        .map((a, i) => `${a.type}=${a.value === null ? "#" + Buffer.from(atvs[i].children()[1].raw).toString("hex") : escapeValue(a.value)}`)
        .join("+"),
    );
  }
  return { rdns, text: shown.join(", "), commonName };
}

/** Display form of a DER Name, e.g. "CN=device-17, O=Acme, C=DE". */
export function formatDn(nameDer: Uint8Array): string {
  return decodeName(readTlv(nameDer, 0, nameDer.length)).text;
}
