import nodeCrypto from "node:crypto";
import fc from "fast-check";
import { bitString, explicit, integer, readTlv, seq, set, tlv, oid, utf8String, TAG } from "../pki/der";
import { InputError } from "../errors";
import { DerError } from "../pki/der";
import { pemEncode } from "../pki/pem";
import { signatureScheme } from "../pki/signature";

/**
 * Shared generators for the fuzz suite (lib/fuzz/*.fuzz.test.ts). Structured on purpose:
 * random bytes rarely get past a parser's first check, so most inputs are valid objects
 * with a few targeted mutations (bit flips, truncation, length-field and tag corruption,
 * splicing and nesting), and strings mix hostile pieces (NUL, bidi overrides, C1
 * controls, lone surrogates, percent-escapes, path traversal, very long runs).
 */

/** Seed: FUZZ_SEED=<n> reproduces a run; FUZZ_SEED=random picks one (printed on failure). */
export const SEED = process.env.FUZZ_SEED === "random" ? Date.now() % 2 ** 31 : Number(process.env.FUZZ_SEED ?? 20261130);
/** FUZZ_SCALE=0.1 for a quick run, 10 for a long one; the defaults keep each file under ~20 s. */
export const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
export const runs = (n: number): number => Math.max(1, Math.round(n * SCALE));

fc.configureGlobal({ seed: SEED });

// ---------------------------------------------------------------- strings

export const HOSTILE_PIECES = [
  "\u0000", "\u202e", "\u202d", "\u200b", "\ufeff", "\u0085", "\u009b", "\u007f", "\r\n", "\t",
  "\ud800", "\udfff", "\ud83d\ude00", "é", "ﬁ", "İ",
  "%", "%25", "%2525", "%2F", "%2f", "%00", "%E0%A4%A", "%C0%AF", "%ZZ", "%u202e",
  "../", "..\\", "/", "\\", ".", "..", "?", "#", "&", "=", ",", "+", ";", "\"", "'", "<", ">", "`", "$", "{", "}", "[", "]",
  "CN=", "DNS:", "IP:", "*.", "-", "0", "1", "-1", "00", "0x10", "1e3", "9".repeat(60), "18446744073709551616", "9223372036854775808",
  "null", "true", "__proto__", "constructor", "toString",
  "-----BEGIN CERTIFICATE REQUEST-----", "-----END CERTIFICATE REQUEST-----", "-----BEGIN CERTIFICATE-----",
  " ", "  ", "\n",
];

/** A string built from hostile pieces and arbitrary code points (including lone surrogates). */
export const hostileString = (maxLength = 40, huge = false): fc.Arbitrary<string> => {
  const parts: fc.WeightedArbitrary<string>[] = [
    { weight: 20, arbitrary: fc.array(fc.oneof(fc.constantFrom(...HOSTILE_PIECES), fc.string({ maxLength: 4 }), fc.string({ unit: "binary", maxLength: 3 })), { maxLength }).map((a) => a.join("")) },
    { weight: 5, arbitrary: fc.string({ unit: "binary", maxLength }) },
    // long runs: just over the usual limits (64 characters, 255 octets, 1 KiB)
    { weight: 3, arbitrary: fc.tuple(fc.constantFrom("a", "\u0000", "%", "9", " ", "é", "a."), fc.integer({ min: 60, max: 1100 })).map(([c, n]) => c.repeat(n)) },
  ];
  // huge (above the 64 KiB object limit): only where a size cap is what is being tested
  if (huge) parts.push({ weight: 2, arbitrary: fc.tuple(fc.constantFrom("a", "9", "é"), fc.integer({ min: 65_000, max: 70_000 })).map(([c, n]) => c.repeat(n)) });
  return fc.oneof(...parts);
};

/** A short, mostly harmless name-like string, sometimes hostile (for route parameters and names). */
export const nameLike = (valid: readonly string[]): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...valid) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...valid), hostileString(4)).map(([a, b]) => a + b) },
    { weight: 3, arbitrary: hostileString(12) },
  );

// ---------------------------------------------------------------- DER mutation

interface Header {
  start: number;
  contentStart: number;
  end: number;
}

/** Every TLV header of a well-formed DER object (depth-first); tolerant of primitive content. */
export function headers(buf: Uint8Array): Header[] {
  const out: Header[] = [];
  const walk = (off: number, limit: number, depth: number) => {
    while (off < limit) {
      let d;
      try {
        d = readTlv(buf, off, limit);
      } catch {
        return;
      }
      out.push({ start: d.start, contentStart: d.contentStart, end: d.end });
      // Constructed, or an OCTET/BIT STRING that wraps DER (extension values, keys).
      if (depth < 30 && (d.constructed || d.tag === TAG.OCTET_STRING || d.tag === TAG.BIT_STRING)) {
        walk(d.tag === TAG.BIT_STRING ? d.contentStart + 1 : d.contentStart, d.end, depth + 1);
      }
      off = d.end;
    }
  };
  walk(0, buf.length, 0);
  return out;
}

const concat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

/** Re-encodes a header so the announced length is `len` (any length form, minimal or not). */
function lengthBytes(len: number, form: number): Uint8Array {
  if (form === 0 && len < 0x80) return Uint8Array.of(len);
  const b: number[] = [];
  let v = len;
  do {
    b.unshift(v & 0xff);
    v = Math.floor(v / 256);
  } while (v > 0);
  while (b.length < form) b.unshift(0); // non-minimal on purpose when form > needed
  return Uint8Array.of(0x80 | b.length, ...b);
}

type Mutation = (buf: Uint8Array, hs: Header[]) => Uint8Array;

const pick = <T>(xs: readonly T[], r: number): T => xs[Math.floor(r * xs.length) % xs.length];

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  // bit flip
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 7 })).map(([r, bit]): Mutation => (buf) => {
    if (!buf.length) return buf;
    const out = buf.slice();
    out[Math.floor(r * out.length) % out.length] ^= 1 << bit;
    return out;
  }),
  // byte overwrite with an interesting value
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0x00, 0x01, 0x7f, 0x80, 0x81, 0x82, 0x84, 0x88, 0xff, 0x30, 0x31, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0c, 0x13, 0x16, 0x17, 0x18, 0x1c, 0x1e, 0x1f, 0xa0, 0xa3)).map(([r, v]): Mutation => (buf) => {
    if (!buf.length) return buf;
    const out = buf.slice();
    out[Math.floor(r * out.length) % out.length] = v;
    return out;
  }),
  // truncation
  fc.double({ min: 0, max: 1, noNaN: true }).map((r): Mutation => (buf) => buf.slice(0, Math.floor(r * buf.length))),
  // trailing garbage
  fc.uint8Array({ minLength: 1, maxLength: 8 }).map((extra): Mutation => (buf) => concat(buf, extra)),
  // length-field corruption of one TLV: off by one, zero, huge, indefinite, non-minimal
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom("inc", "dec", "zero", "huge", "indef", "nonminimal", "five")).map(([r, how]): Mutation => (buf, hs) => {
    if (!hs.length) return buf;
    const h = pick(hs, r);
    const len = h.end - h.contentStart;
    const tag = buf.subarray(h.start, h.start + 1);
    const body = buf.subarray(h.contentStart);
    const head = buf.subarray(0, h.start);
    const L =
      how === "inc" ? lengthBytes(len + 1, 0)
      : how === "dec" ? lengthBytes(Math.max(0, len - 1), 0)
      : how === "zero" ? Uint8Array.of(0)
      : how === "huge" ? Uint8Array.of(0x84, 0x7f, 0xff, 0xff, 0xff)
      : how === "indef" ? Uint8Array.of(0x80)
      : how === "five" ? Uint8Array.of(0x85, 0, 0, 0, 0, len & 0xff)
      : lengthBytes(len, 2);
    return concat(head, tag, L, body);
  }),
  // tag corruption of one TLV
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 255 })).map(([r, tag]): Mutation => (buf, hs) => {
    if (!hs.length) return buf;
    const out = buf.slice();
    out[pick(hs, r).start] = tag;
    return out;
  }),
  // drop one TLV (outer lengths now disagree, or a required element is missing)
  fc.double({ min: 0, max: 1, noNaN: true }).map((r): Mutation => (buf, hs) => {
    if (hs.length < 2) return buf;
    const h = pick(hs.slice(1), r);
    return concat(buf.subarray(0, h.start), buf.subarray(h.end));
  }),
  // splice: replace one TLV with another TLV of the same object
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })).map(([a, b]): Mutation => (buf, hs) => {
    if (hs.length < 2) return buf;
    const x = pick(hs.slice(1), a);
    const y = pick(hs, b);
    return concat(buf.subarray(0, x.start), buf.subarray(y.start, y.end), buf.subarray(x.end));
  }),
  // duplicate one TLV in place
  fc.double({ min: 0, max: 1, noNaN: true }).map((r): Mutation => (buf, hs) => {
    if (hs.length < 2) return buf;
    const h = pick(hs.slice(1), r);
    return concat(buf.subarray(0, h.end), buf.subarray(h.start, h.end), buf.subarray(h.end));
  }),
  // wrap the whole object (or deep-nest it)
  fc.integer({ min: 1, max: 2000 }).map((depth): Mutation => (buf) => {
    let out: Uint8Array = buf;
    for (let i = 0; i < Math.min(depth, buf.length > 4096 ? 3 : depth); i++) out = seq(out);
    return out;
  }),
  // replace one TLV's content with random bytes (lengths fixed up locally only)
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.uint8Array({ maxLength: 40 })).map(([r, junk]): Mutation => (buf, hs) => {
    if (!hs.length) return buf;
    const h = pick(hs, r);
    return concat(buf.subarray(0, h.start), tlv(buf[h.start], junk), buf.subarray(h.end));
  }),
);

/** A valid DER seed with 1–3 structural mutations applied (or none, sometimes). */
export function mutatedDer(seeds: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc.tuple(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 0, maxLength: 3 })).map(([seed, ms]) => {
    let buf = seed;
    for (const m of ms) buf = m(buf, headers(buf));
    return buf;
  });
}

/** Raw bytes: mostly mutated seeds, some random, some tiny hand-made headers. */
export function derInput(seeds: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { weight: 8, arbitrary: mutatedDer(seeds) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 8 }).map((b) => concat(Uint8Array.of(0x30), b)) },
  );
}

/** PEM around mutated DER, or mutated PEM text (labels, base64, padding, framing). */
export function pemInput(seeds: readonly Uint8Array[], label: string): fc.Arbitrary<string> {
  const labels = fc.constantFrom(label, "CERTIFICATE", "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST", "X509 CRL", "PRIVATE KEY", "FOO", "", "certificate");
  return fc.oneof(
    { weight: 4, arbitrary: fc.tuple(mutatedDer(seeds), labels).map(([der, l]) => (der.length ? pemEncode(l, der) : `-----BEGIN ${l}-----\n-----END ${l}-----\n`)) },
    {
      weight: 3,
      arbitrary: fc.tuple(fc.constantFrom(...seeds), fc.double({ min: 0, max: 1, noNaN: true }), hostileString(6), fc.constantFrom("insert", "truncate", "replace", "double", "mismatch")).map(([der, r, junk, how]) => {
        const text = pemEncode(label, der);
        const at = Math.floor(r * text.length);
        switch (how) {
          case "insert": return text.slice(0, at) + junk + text.slice(at);
          case "truncate": return text.slice(0, at);
          case "replace": return text.slice(0, at) + junk + text.slice(at + junk.length);
          case "double": return text + text;
          default: return text.replace(/END [A-Z ]+/, "END OTHER");
        }
      }),
    },
    { weight: 1, arbitrary: hostileString(20) },
  );
}

// ---------------------------------------------------------------- CSRs with a valid signature

const EC_ALG = signatureScheme("ec-p256").algorithmIdentifier;
const CSR_KEY = nodeCrypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
export const CSR_SPKI = new Uint8Array(CSR_KEY.publicKey.export({ format: "der", type: "spki" }));

/** Signs a CertificationRequestInfo with one fixed P-256 key: the signature check then passes and the content is what is fuzzed. */
export function signCsr(cri: Uint8Array, key = CSR_KEY.privateKey): Uint8Array {
  const sig = nodeCrypto.sign("sha256", cri, { key, dsaEncoding: "der" });
  return seq(cri, EC_ALG, bitString(sig));
}

const OIDS = { CN: "2.5.4.3", O: "2.5.4.10", C: "2.5.4.6", OU: "2.5.4.11", serialNumber: "2.5.4.5", email: "1.2.840.113549.1.9.1", unknown: "1.2.3.4.5" };
const STRING_TAGS = [TAG.UTF8_STRING, TAG.PRINTABLE_STRING, TAG.IA5_STRING, TAG.T61_STRING, TAG.BMP_STRING, TAG.UNIVERSAL_STRING, TAG.INTEGER, TAG.OCTET_STRING, TAG.BOOLEAN, TAG.NULL, TAG.SEQUENCE];

/** An attribute value: a string type with hostile content, or a non-string type. */
const attrValue: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 3, arbitrary: hostileString(10).map((s) => utf8String(s)) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...STRING_TAGS), fc.uint8Array({ maxLength: 24 })).map(([t, b]) => tlv(t, b)) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 300 }).map((n) => utf8String("x".repeat(n))) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(1n << 64n), max: 1n << 64n }).map((n) => integer(n)) },
);

export const nameDer: fc.Arbitrary<Uint8Array> = fc
  .array(fc.array(fc.tuple(fc.constantFrom(...Object.values(OIDS)), attrValue), { minLength: 0, maxLength: 2 }), { maxLength: 4 })
  .map((rdns) => seq(...rdns.map((atvs) => set(...atvs.map(([o, v]) => seq(oid(o), v))))));

const sanBody: fc.Arbitrary<Uint8Array> = fc
  .array(
    fc.oneof(
      hostileString(8).map((s) => tlv(0x82, Buffer.from(s, "utf8"))),
      fc.constantFrom("a.example", "x.y", "*.wild.example", "xn--e1afmkfd.example").map((s) => tlv(0x82, Buffer.from(s))),
      fc.uint8Array({ maxLength: 17 }).map((b) => tlv(0x87, b)),
      fc.tuple(fc.integer({ min: 0x80, max: 0x88 }), fc.uint8Array({ maxLength: 8 })).map(([t, b]) => tlv(t, b)),
    ),
    { maxLength: 3 },
  )
  .map((gns) => seq(...gns));

/** The attributes [0]: nothing, an extensionRequest with a (hostile) SAN, or junk. */
const csrAttributes: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.constant(explicit(0)),
  sanBody.map((san) => explicit(0, seq(oid("1.2.840.113549.1.9.14"), set(seq(seq(oid("2.5.29.17"), tlv(TAG.OCTET_STRING, san))))))),
  fc.uint8Array({ maxLength: 16 }).map((b) => tlv(0xa0, b)),
);

/** A properly signed CSR (DER) whose subject and requested SANs are fuzzed. */
export const signedHostileCsr: fc.Arbitrary<Uint8Array> = fc
  .tuple(nameDer, csrAttributes, fc.constantFrom(0n, 0n, 0n, 1n))
  .map(([name, attrs, version]) => signCsr(seq(integer(version), name, CSR_SPKI, attrs)));

// ---------------------------------------------------------------- error classification

/** Internal JavaScript failures must never surface, not even wrapped into a domain error's message. */
export const LEAK = /TypeError|RangeError|ReferenceError|SyntaxError|Cannot read|is not a function|is not iterable|of undefined|of null|Maximum call stack|Invalid (code point|array length|time value)/;

/** Passes when `fn` returns, or throws one of the allowed domain errors without leaking an internal failure. */
export async function domainOnly(fn: () => unknown, allowed: readonly (new (...a: never[]) => Error)[] = [InputError]): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (!allowed.some((c) => e instanceof c)) throw new Error(`non-domain exception: ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)}`);
    if (e instanceof InputError && !(e.status >= 400 && e.status < 500)) throw new Error(`InputError with status ${e.status}: ${e.message}`);
    if (LEAK.test((e as Error).message)) throw new Error(`domain error leaks an internal failure: ${(e as Error).name}: ${(e as Error).message}`);
  }
}

export { DerError };

/** Per-file case counter, printed once so the numbers can be quoted. */
export function counter(file: string) {
  const counts = new Map<string, number>();
  return {
    tick(name: string) {
      counts.set(name, (counts.get(name) ?? 0) + 1);
    },
    report() {
      const rows = [...counts].map(([k, v]) => `  ${k.padEnd(58)} ${v}`).join("\n");
      console.log(`fuzz cases tried (${file}, seed ${SEED}, scale ${SCALE}):\n${rows}`);
    },
  };
}
