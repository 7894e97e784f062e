/**
 * Minimal DER writer and strict DER reader.
 *
 * Why our own: issuance and CRL building are hot paths (about 1,000 certificates/s,
 * CRLs of 100k entries) and a generic ASN.1 object model costs more than the
 * signature itself. The reader follows Go's cryptobyte: definite, minimal lengths
 * only, low tag numbers only, no trailing bytes — anything else is an error, never
 * a guess.
 */

// ---------------------------------------------------------------- tags
export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  ENUMERATED: 0x0a,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  T61_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Context-specific tag number n, constructed (EXPLICIT or IMPLICIT of a constructed type). */
export const ctx = (n: number): number => 0xa0 | n;
/** Context-specific tag number n, primitive (IMPLICIT of a primitive type). */
export const ctxPrim = (n: number): number => 0x80 | n;

// ---------------------------------------------------------------- writer

function lengthBytes(n: number): number[] {
  if (n < 0x80) return [n];
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return [0x80 | out.length, ...out];
}

/** Encodes one TLV. */
export function tlv(tag: number, content: Uint8Array): Buffer {
  const len = content.length;
  let header: Buffer;
  if (len < 0x80) header = Buffer.from([tag, len]);
  else header = Buffer.from([tag, ...lengthBytes(len)]);
  return Buffer.concat([header, content], header.length + len);
}

/** A TLV whose content is the concatenation of parts (no intermediate copy). */
export function tlvOf(tag: number, parts: readonly Uint8Array[]): Buffer {
  let len = 0;
  for (const p of parts) len += p.length;
  const lb = lengthBytes(len);
  const out = Buffer.allocUnsafe(1 + lb.length + len);
  out[0] = tag;
  for (let i = 0; i < lb.length; i++) out[1 + i] = lb[i];
  let o = 1 + lb.length;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export const seq = (...parts: Uint8Array[]): Buffer => tlvOf(TAG.SEQUENCE, parts);
export const set = (...parts: Uint8Array[]): Buffer => tlvOf(TAG.SET, parts);
export const explicit = (n: number, ...parts: Uint8Array[]): Buffer => tlvOf(ctx(n), parts);
export const octetString = (b: Uint8Array): Buffer => tlv(TAG.OCTET_STRING, b);
export const bitString = (b: Uint8Array, unusedBits = 0): Buffer => tlvOf(TAG.BIT_STRING, [Uint8Array.of(unusedBits), b]);
export const boolean = (v: boolean): Buffer => Buffer.from([TAG.BOOLEAN, 1, v ? 0xff : 0x00]);
export const nul = (): Buffer => Buffer.from([TAG.NULL, 0]);
export const utf8String = (s: string): Buffer => tlv(TAG.UTF8_STRING, Buffer.from(s, "utf8"));
export const printableString = (s: string): Buffer => tlv(TAG.PRINTABLE_STRING, Buffer.from(s, "latin1"));
export const ia5String = (s: string): Buffer => tlv(TAG.IA5_STRING, Buffer.from(s, "latin1"));

/** Minimal two's-complement content octets of an integer. */
export function integerContent(n: bigint): Buffer {
  if (n === 0n) return Buffer.from([0]);
  if (n > 0n) {
    let hex = n.toString(16);
    if (hex.length % 2) hex = "0" + hex;
    // A set high bit would read as negative: prefix 0x00 (DER: only then).
    if (parseInt(hex.slice(0, 2), 16) & 0x80) hex = "00" + hex;
    return Buffer.from(hex, "hex");
  }
  // Negative: two's complement in the smallest byte count that keeps the sign bit.
  let bytes = 1;
  while (-(1n << BigInt(8 * bytes - 1)) > n) bytes++;
  let v = (1n << BigInt(8 * bytes)) + n;
  const out = Buffer.alloc(bytes);
  for (let i = bytes - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

export const integer = (n: bigint | number): Buffer => tlv(TAG.INTEGER, integerContent(BigInt(n)));
export const enumerated = (n: number): Buffer => tlv(TAG.ENUMERATED, integerContent(BigInt(n)));

/**
 * OID limits, for reading and writing alike. Real OIDs have about a dozen arcs; the
 * largest arcs in use are 128-bit UUIDs under 2.25 (X.667). Without a cap, one huge arc
 * makes the base-128 decoder quadratic (a 1 MB arc would take hours).
 */
export const MAX_OID_ARCS = 32;
export const MAX_OID_ARC_BITS = 128;
/** Content octets an OID within both limits can need (every arc at 128 bits: 19 octets). */
const MAX_OID_CONTENT = MAX_OID_ARCS * Math.ceil(MAX_OID_ARC_BITS / 7);

const oidCache = new Map<string, Buffer>();
/** OBJECT IDENTIFIER from dotted form; cached because the same few OIDs are written constantly. */
export function oid(dotted: string): Buffer {
  const hit = oidCache.get(dotted);
  if (hit) return hit;
  const bad = (why: string) => new DerError(`bad OID ${dotted.length > 80 ? dotted.slice(0, 80) + "…" : dotted}: ${why}`);
  const parts = dotted.split(".");
  if (parts.length > MAX_OID_ARCS) throw bad(`more than ${MAX_OID_ARCS} arcs`);
  const arcs = parts.map((a) => {
    if (!/^(0|[1-9][0-9]{0,38})$/.test(a)) throw bad("arcs are decimal numbers without leading zeros");
    const v = BigInt(a);
    if (v >> BigInt(MAX_OID_ARC_BITS) !== 0n) throw bad(`an arc is larger than ${MAX_OID_ARC_BITS} bits`);
    return v;
  });
  if (arcs.length < 2 || arcs[0] > 2n || (arcs[0] < 2n && arcs[1] > 39n)) throw bad("the first arcs must be 0.0-39, 1.0-39 or 2.x");
  const values = [arcs[0] * 40n + arcs[1], ...arcs.slice(2)];
  const bytes: number[] = [];
  for (const v of values) {
    const group: number[] = [Number(v & 0x7fn)];
    for (let r = v >> 7n; r > 0n; r >>= 7n) group.unshift(Number(r & 0x7fn) | 0x80);
    bytes.push(...group);
  }
  const enc = tlv(TAG.OID, Buffer.from(bytes));
  oidCache.set(dotted, enc);
  return enc;
}

function pad(n: number, w: number): string {
  return String(n).padStart(w, "0");
}

/**
 * RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050, always UTC with
 * seconds and no fraction. Milliseconds are dropped (callers truncate on purpose).
 */
export function time(d: Date): Buffer {
  const ms = d.getTime();
  if (!Number.isFinite(ms)) throw new Error("invalid date");
  const y = d.getUTCFullYear();
  if (y < 1950 || y > 9999) throw new Error(`year ${y} cannot be encoded in a certificate`);
  const rest =
    pad(d.getUTCMonth() + 1, 2) + pad(d.getUTCDate(), 2) + pad(d.getUTCHours(), 2) + pad(d.getUTCMinutes(), 2) + pad(d.getUTCSeconds(), 2) + "Z";
  if (y < 2050) return tlv(TAG.UTC_TIME, Buffer.from(pad(y % 100, 2) + rest, "latin1"));
  return tlv(TAG.GENERALIZED_TIME, Buffer.from(pad(y, 4) + rest, "latin1"));
}

// ---------------------------------------------------------------- reader

export class DerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DerError";
  }
}

/** One decoded TLV: a view into the original bytes (nothing is copied). */
export class Der {
  constructor(
    readonly buf: Uint8Array,
    readonly tag: number,
    /** offset of the tag byte */
    readonly start: number,
    /** offset of the first content byte */
    readonly contentStart: number,
    /** offset just past the content */
    readonly end: number,
  ) {}

  get constructed(): boolean {
    return (this.tag & 0x20) !== 0;
  }
  /** The content octets. */
  get content(): Uint8Array {
    return this.buf.subarray(this.contentStart, this.end);
  }
  /** The whole TLV, header included. */
  get raw(): Uint8Array {
    return this.buf.subarray(this.start, this.end);
  }
  get length(): number {
    return this.end - this.contentStart;
  }

  /** All children of a constructed TLV. */
  children(): Der[] {
    if (!this.constructed) throw new DerError(`tag 0x${this.tag.toString(16)} is not constructed`);
    const out: Der[] = [];
    let off = this.contentStart;
    while (off < this.end) {
      const c = readTlv(this.buf, off, this.end);
      out.push(c);
      off = c.end;
    }
    return out;
  }

  /** Asserts the tag and returns this, for chaining. */
  expect(tag: number, what: string): Der {
    if (this.tag !== tag) throw new DerError(`${what}: expected tag 0x${tag.toString(16)}, found 0x${this.tag.toString(16)}`);
    return this;
  }
}

/** Reads one TLV at off; it must end at or before limit. */
export function readTlv(buf: Uint8Array, off: number, limit: number = buf.length): Der {
  if (off >= limit) throw new DerError("unexpected end of data");
  const tag = buf[off];
  if ((tag & 0x1f) === 0x1f) throw new DerError("high-tag-number form is not supported");
  if (off + 1 >= limit) throw new DerError("truncated: missing length");
  let len = buf[off + 1];
  let p = off + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0) throw new DerError("indefinite length is not DER");
    if (n > 4) throw new DerError("length too large");
    if (p + n > limit) throw new DerError("truncated: length bytes missing");
    if (buf[p] === 0) throw new DerError("non-minimal length encoding");
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p + i];
    if (len < 0x80) throw new DerError("non-minimal length encoding");
    p += n;
  }
  if (p + len > limit) throw new DerError(`truncated: ${len} content bytes announced, ${limit - p} present`);
  return new Der(buf, tag, off, p, p + len);
}

/** Parses bytes that must be exactly one TLV (no trailing data). */
export function parseDer(buf: Uint8Array): Der {
  const d = readTlv(buf, 0, buf.length);
  if (d.end !== buf.length) throw new DerError(`${buf.length - d.end} trailing bytes after the DER object`);
  return d;
}

/** Children of a SEQUENCE/SET with an exact tag check on the container. */
export function childrenOf(d: Der, tag: number, what: string): Der[] {
  return d.expect(tag, what).children();
}

/** INTEGER (or an IMPLICIT-tagged one with tag), strictly minimal. */
export function readInteger(d: Der, what: string, tag: number = TAG.INTEGER): bigint {
  d.expect(tag, what);
  const c = d.content;
  if (c.length === 0) throw new DerError(`${what}: empty INTEGER`);
  if (c.length > 1 && ((c[0] === 0x00 && (c[1] & 0x80) === 0) || (c[0] === 0xff && (c[1] & 0x80) !== 0))) {
    throw new DerError(`${what}: INTEGER is not minimally encoded`);
  }
  let v = BigInt("0x" + Buffer.from(c).toString("hex"));
  if (c[0] & 0x80) v -= 1n << BigInt(8 * c.length);
  return v;
}

export function readSmallInt(d: Der, what: string): number {
  const v = readInteger(d, what);
  if (v < BigInt(Number.MIN_SAFE_INTEGER) || v > BigInt(Number.MAX_SAFE_INTEGER)) throw new DerError(`${what}: INTEGER out of range`);
  return Number(v);
}

export function readBoolean(d: Der, what: string): boolean {
  d.expect(TAG.BOOLEAN, what);
  const c = d.content;
  if (c.length !== 1 || (c[0] !== 0 && c[0] !== 0xff)) throw new DerError(`${what}: BOOLEAN must be 0x00 or 0xFF`);
  return c[0] === 0xff;
}

export function readOid(d: Der, what: string, tag: number = TAG.OID): string {
  d.expect(tag, what);
  const c = d.content;
  if (c.length === 0) throw new DerError(`${what}: empty OBJECT IDENTIFIER`);
  if (c.length > MAX_OID_CONTENT) throw new DerError(`${what}: OBJECT IDENTIFIER of ${c.length} octets is too long`);
  const values: bigint[] = [];
  let v = 0n;
  let first = true;
  let octets = 0;
  for (let i = 0; i < c.length; i++) {
    if (first && c[i] === 0x80) throw new DerError(`${what}: OBJECT IDENTIFIER arc is not minimally encoded`);
    first = false;
    // Minimal encoding: the first octet of an arc is non-zero, so n octets carry > 7(n-1) bits.
    if (++octets > Math.ceil(MAX_OID_ARC_BITS / 7)) throw new DerError(`${what}: OBJECT IDENTIFIER arc is larger than ${MAX_OID_ARC_BITS} bits`);
    v = (v << 7n) | BigInt(c[i] & 0x7f);
    if ((c[i] & 0x80) === 0) {
      // The first value packs two arcs (2.x may use the whole width), so check each value.
      if (v >> BigInt(MAX_OID_ARC_BITS) !== 0n) throw new DerError(`${what}: OBJECT IDENTIFIER arc is larger than ${MAX_OID_ARC_BITS} bits`);
      values.push(v);
      if (values.length + 1 > MAX_OID_ARCS) throw new DerError(`${what}: OBJECT IDENTIFIER has more than ${MAX_OID_ARCS} arcs`);
      v = 0n;
      first = true;
      octets = 0;
    }
  }
  if (!first) throw new DerError(`${what}: truncated OBJECT IDENTIFIER`);
  const head = values[0];
  const arcs = head < 40n ? [0n, head] : head < 80n ? [1n, head - 40n] : [2n, head - 80n];
  return [...arcs, ...values.slice(1)].join(".");
}

/** BIT STRING content; with requireOctets, unused bits must be 0 (keys, signatures). */
export function readBitString(d: Der, what: string, requireOctets = true): { bytes: Uint8Array; unusedBits: number } {
  d.expect(TAG.BIT_STRING, what);
  const c = d.content;
  if (c.length === 0) throw new DerError(`${what}: empty BIT STRING`);
  const unusedBits = c[0];
  if (unusedBits > 7 || (c.length === 1 && unusedBits !== 0)) throw new DerError(`${what}: invalid BIT STRING padding`);
  if (requireOctets && unusedBits !== 0) throw new DerError(`${what}: BIT STRING must be a whole number of octets`);
  if (unusedBits && (c[c.length - 1] & ((1 << unusedBits) - 1)) !== 0) throw new DerError(`${what}: BIT STRING padding bits are not zero`);
  return { bytes: c.subarray(1), unusedBits };
}

const UTC_RE = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;
const GEN_RE = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;

/** UTCTime or GeneralizedTime in the RFC 5280 profile (UTC, seconds, no fraction). */
export function readTime(d: Der, what: string): Date {
  const s = Buffer.from(d.content).toString("latin1");
  let m: RegExpExecArray | null;
  let year: number;
  if (d.tag === TAG.UTC_TIME) {
    m = UTC_RE.exec(s);
    if (!m) throw new DerError(`${what}: UTCTime "${s}" is not YYMMDDHHMMSSZ`);
    const yy = Number(m[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
  } else if (d.tag === TAG.GENERALIZED_TIME) {
    m = GEN_RE.exec(s);
    if (!m) throw new DerError(`${what}: GeneralizedTime "${s}" is not YYYYMMDDHHMMSSZ`);
    year = Number(m[1]);
  } else {
    throw new DerError(`${what}: expected a time, found tag 0x${d.tag.toString(16)}`);
  }
  const [mo, da, h, mi, se] = [m[2], m[3], m[4], m[5], m[6]].map(Number);
  const t = new Date(Date.UTC(year, mo - 1, da, h, mi, se));
  // Date.UTC silently rolls 31 Feb into March: compare back to reject impossible dates.
  if (t.getUTCFullYear() !== year || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== da || t.getUTCHours() !== h || t.getUTCMinutes() !== mi || t.getUTCSeconds() !== se) {
    throw new DerError(`${what}: "${s}" is not a valid date`);
  }
  return t;
}

/** Decodes the string types that occur in names; other tags are an error. */
export function readString(d: Der, what: string): string {
  const c = Buffer.from(d.content);
  switch (d.tag) {
    case TAG.UTF8_STRING: {
      const s = c.toString("utf8");
      if (!Buffer.from(s, "utf8").equals(c)) throw new DerError(`${what}: invalid UTF-8`);
      return s;
    }
    case TAG.PRINTABLE_STRING:
      if (!/^[A-Za-z0-9 '()+,\-./:=?]*$/.test(c.toString("latin1"))) throw new DerError(`${what}: invalid PrintableString`);
      return c.toString("latin1");
    case TAG.IA5_STRING:
      if (c.some((b) => b > 0x7f)) throw new DerError(`${what}: invalid IA5String`);
      return c.toString("latin1");
    case TAG.T61_STRING:
      return c.toString("latin1");
    case TAG.BMP_STRING: {
      if (c.length % 2) throw new DerError(`${what}: invalid BMPString`);
      const sw = Buffer.from(c);
      sw.swap16();
      return sw.toString("utf16le");
    }
    case TAG.UNIVERSAL_STRING: {
      if (c.length % 4) throw new DerError(`${what}: invalid UniversalString`);
      const cps: number[] = [];
      for (let i = 0; i < c.length; i += 4) {
        const cp = c.readUInt32BE(i);
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw new DerError(`${what}: invalid UniversalString`);
        cps.push(cp);
      }
      return String.fromCodePoint(...cps);
    }
    default:
      throw new DerError(`${what}: unsupported string type (tag 0x${d.tag.toString(16)})`);
  }
}
