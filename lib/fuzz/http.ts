import fc from "fast-check";
import { expect } from "vitest";
import { createApiToken, createFirstAdministrator, revokeApiToken } from "../auth";
import { issueCertificate, requestFromCsr } from "../certificates";
import { databaseBackend, db } from "../db";
import { createIssuer } from "../issuers/service";
import { pemEncode } from "../pki/pem";
import { parseCertificate } from "../pki/certificate";
import { parseDer } from "../pki/der";
import { decodeName } from "../pki/dn";
import { startRevocation } from "../revocation/prefix";
import { makeCsr } from "../test/csr";
import { openssl } from "../test/openssl";
import { hostileString, mutatedDer, pemInput, signedHostileCsr } from "./arbitraries";

/**
 * The endpoint harness: a real test database with issuers, certificates, a pending
 * revocation and API tokens; generated Web Requests; and the "no partial write" check —
 * a snapshot of every table's row count, each issuer's counters and the audit length,
 * compared around every request that failed.
 */

export interface World {
  issuers: string[];
  serials: string[];
  certIds: string[];
  certPems: string[];
  validCsrs: string[];
  renewalTokens: string[];
  pendingSerials: string[];
  tokens: { operator: string; auditor: string; revoked: string };
}

export async function buildWorld(): Promise<World> {
  const admin = await createFirstAdministrator({ email: "fuzz@example.com", name: "Fuzz", password: "correct horse battery" });
  const actor = { kind: "user" as const, name: admin.email, role: "administrator" as const, userId: admin.id };
  const operator = (await createApiToken(actor, { name: "fuzz-op", role: "operator" })).token;
  const auditor = (await createApiToken(actor, { name: "fuzz-aud", role: "auditor" })).token;
  const revoked = await createApiToken(actor, { name: "fuzz-revoked", role: "operator" });
  await revokeApiToken(actor, revoked.info.id);
  const issuers = ["fuzz-ca", "fuzz-p384"];
  await createIssuer(actor, { name: issuers[0], keyType: "ec-p256" });
  await createIssuer(actor, { name: issuers[1], keyType: "ec-p384" });
  const serials: string[] = [];
  const certIds: string[] = [];
  const certPems: string[] = [];
  const validCsrs: string[] = [];
  for (let i = 0; i < 6; i++) {
    const csr = await makeCsr(`dev${i}.example.com`);
    validCsrs.push(csr.pem);
    const c = await issueCertificate(actor, issuers[i % 2], await requestFromCsr({ csr: csr.pem, profile: "server", sans: [`DNS:dev${i}.example.com`] }));
    serials.push(c.serial.toString());
    certIds.push(c.id);
    certPems.push(pemEncode("CERTIFICATE", c.der));
  }
  for (let i = 0; i < 4; i++) validCsrs.push((await makeCsr(`fresh${i}.example.com`)).pem);
  // Same subject as issued certificates, new keys: what a holder renews with.
  for (const i of [0, 2, 0, 2]) validCsrs.push((await makeCsr(`dev${i}.example.com`)).pem);
  // A pending renew-first revocation: renewal requests and one-time tokens to aim at.
  const r = await startRevocation(actor, { issuer: issuers[0], serial: BigInt(serials[2]), reason: "keyCompromise", order: "renew-first" });
  return {
    issuers,
    serials,
    certIds,
    certPems,
    validCsrs,
    renewalTokens: r.tokens.map((t) => t.token),
    pendingSerials: r.tokens.map((t) => t.serial.toString()),
    tokens: { operator, auditor, revoked: revoked.token },
  };
}

// ---------------------------------------------------------------- the no-partial-write snapshot

let tableNames: string[] | null = null;

/** Row count of every table, every issuer's nextSerial/revocationNumber/crlNumber, as one comparable string. */
export async function snapshot(): Promise<string> {
  const pg = databaseBackend().kind === "postgresql";
  if (!tableNames) {
    const rows = await db().$queryRawUnsafe<{ name: string }[]>(
      pg
        ? "SELECT table_name::text AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name NOT LIKE '\\_prisma\\_%' ORDER BY table_name"
        : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_prisma_%' ORDER BY name",
    );
    tableNames = rows.map((r) => r.name);
  }
  // One statement (a query costs more than the counting here): counts, then the issuers' counters.
  const issuers = pg
    ? `(SELECT json_agg(json_build_array(name, "nextSerial"::text, "revocationNumber"::text, "crlNumber"::text) ORDER BY name)::text FROM "Issuer") AS "issuers"`
    : `(SELECT json_group_array(json_array(name, CAST(nextSerial AS TEXT), CAST(revocationNumber AS TEXT), CAST(crlNumber AS TEXT))) FROM (SELECT * FROM "Issuer" ORDER BY name)) AS "issuers"`;
  const rows = await db().$queryRawUnsafe<Record<string, unknown>[]>(`SELECT ${tableNames.map((t) => `(SELECT count(*) FROM "${t}") AS "${t}"`).join(", ")}, ${issuers}`);
  return JSON.stringify(rows[0], (_k, v) => (typeof v === "bigint" ? v.toString() : v));
}

// ---------------------------------------------------------------- requests

export interface Body {
  contentType: string | null;
  raw: string | Uint8Array | null;
  declaredLength?: string;
}

/** Header values must be ByteStrings without CR/LF/NUL (Node's HTTP parser refuses the rest before any handler runs). */
export const headerSafe = (s: string): string => [...s].map((c) => (c.codePointAt(0)! > 0xff || /[\r\n\0]/.test(c) ? "?" : c)).join("");

const pathSafe = (s: string): string => {
  try {
    return encodeURIComponent(s);
  } catch {
    return "x"; // lone surrogate: not representable in a URL at all
  }
};

export function authHeader(w: World): fc.Arbitrary<string | null> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant(`Bearer ${w.tokens.operator}`) },
    { weight: 2, arbitrary: fc.constant(`Bearer ${w.tokens.auditor}`) },
    { weight: 2, arbitrary: fc.constant(null) },
    {
      weight: 2,
      arbitrary: fc.oneof(
        fc.constant(`Bearer ${w.tokens.revoked}`),
        fc.constant(`bearer   ${w.tokens.operator}  `),
        fc.constant(`Bearer ${w.tokens.operator}x`),
        fc.constant(`Basic ${Buffer.from("a:b").toString("base64")}`),
        hostileString(20).map((s) => headerSafe(`Bearer ${s}`)),
        hostileString(20).map(headerSafe),
      ),
    },
  );
}

const CONTENT_TYPES = ["application/json", "application/json; charset=utf-8", "APPLICATION/JSON", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/jsonx", "text/json", "application/json;charset=latin1", ""];

/** A JSON value for one field: usually right, often the wrong type, sometimes hostile. */
export function field(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 6, arbitrary: valid },
    { weight: 1, arbitrary: hostileString(30) },
    { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({}), fc.array(hostileString(5), { maxLength: 3 })) },
  );
}

/** An object body from per-field generators: fields sometimes missing, extra keys sometimes added. */
export function objectBody(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .tuple(fc.record(fields, { requiredKeys: [] }), fc.option(fc.dictionary(fc.constantFrom("extra", "__proto__", "constructor", "token", "csr"), fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<unknown>, { maxKeys: 2 }), { freq: 5 }))
    .map(([o, extra]) => (extra ? { ...extra, ...o } : o));
}

/** Bodies around a generated object: proper JSON mostly, and every way a body can be wrong. */
export function body(obj: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<Body> {
  const json = "application/json";
  return fc.oneof(
    { weight: 10, arbitrary: obj.map((o): Body => ({ contentType: json, raw: JSON.stringify(o) })) },
    { weight: 1, arbitrary: fc.tuple(obj, fc.constantFrom(...CONTENT_TYPES)).map(([o, ct]): Body => ({ contentType: ct, raw: JSON.stringify(o) })) },
    { weight: 1, arbitrary: fc.tuple(obj, fc.double({ min: 0, max: 1, noNaN: true })).map(([o, r]): Body => { const t = JSON.stringify(o); return { contentType: json, raw: t.slice(0, Math.floor(r * t.length)) }; }) },
    { weight: 1, arbitrary: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant([]), fc.constant(null), fc.constant("{}")).map((v): Body => ({ contentType: json, raw: JSON.stringify(v) ?? "null" })) },
    { weight: 1, arbitrary: fc.oneof(hostileString(40), fc.constantFrom("", "{", "{\"csr\":", "[".repeat(100_000), "{\"a\":".repeat(50_000) + "1" + "}".repeat(50_000), '{"issuer":"\\ud800"}', '{"__proto__":{"x":1}}', "1e99999", "\uFEFF{}")).map((t): Body => ({ contentType: json, raw: t })) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b): Body => ({ contentType: json, raw: b })) },
    { weight: 1, arbitrary: fc.constantFrom(256 * 1024 - 10, 256 * 1024 + 1, 600 * 1024).map((n): Body => ({ contentType: json, raw: `{"csr":"${"A".repeat(n)}"}` })) },
    { weight: 1, arbitrary: fc.tuple(obj, fc.constantFrom("abc", "-1", "0", "1e10", "99999999999999999999", "262145", " 5 ")).map(([o, d]): Body => ({ contentType: json, raw: JSON.stringify(o), declaredLength: d })) },
    { weight: 1, arbitrary: fc.constant<Body>({ contentType: json, raw: null }) },
  );
}

export function request(method: string, path: string, auth: string | null, b?: Body): Request {
  const headers = new Headers();
  if (auth !== null) headers.set("authorization", auth);
  if (b?.contentType) headers.set("content-type", b.contentType);
  if (b?.declaredLength !== undefined) headers.set("content-length", b.declaredLength);
  const init: RequestInit = { method, headers };
  if (b?.raw != null && method !== "GET" && method !== "HEAD") init.body = b.raw as BodyInit;
  return new Request(`http://localhost${path}`, init);
}

export const seg = pathSafe;

/**
 * A route-parameter value as Next hands it over: percent-decoded once, so any well-formed
 * string (a "%" in it came from "%25"); never a lone surrogate, which no URL can encode.
 */
export function param(valid: readonly string[]): fc.Arbitrary<string> {
  return fc
    .oneof(
      { weight: 5, arbitrary: fc.constantFrom(...valid) },
      { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...valid), fc.constantFrom("%", "%25", "%2F", "%E0%A4%A", "/..", "\u0000", " ", "\u202e", "0", "%30")).map(([v, s]) => v + s) },
      { weight: 3, arbitrary: hostileString(12) },
    )
    .map((s) => (s as string & { toWellFormed(): string }).toWellFormed());
}

/** Serial segments: real ones, the edges of SQLite's 64-bit INTEGER and of RFC 5280's 20 octets, odd digit forms. */
export function serialParamArb(valid: readonly string[]): fc.Arbitrary<string> {
  const edges = ["0", "1", "00012", "+1", " 1", "1 ", "9223372036854775807", "9223372036854775808", "18446744073709551616", ((1n << 159n) - 1n).toString(), (1n << 159n).toString(), "١٢", "１２", "1e3", "0x1f"];
  return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...edges) }, { weight: 7, arbitrary: param(valid) });
}

// ---------------------------------------------------------------- CSR field values

export function csrField(w: World): fc.Arbitrary<unknown> {
  return field(
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...w.validCsrs) },
      { weight: 3, arbitrary: signedHostileCsr.map((d) => pemEncode("CERTIFICATE REQUEST", d)) },
      { weight: 2, arbitrary: pemInput(w.validCsrs.map((p) => new Uint8Array(Buffer.from(p.replace(/-----[^-]+-----|\s/g, ""), "base64"))), "CERTIFICATE REQUEST") },
      { weight: 1, arbitrary: mutatedDer(w.validCsrs.map((p) => new Uint8Array(Buffer.from(p.replace(/-----[^-]+-----|\s/g, ""), "base64")))).map((d) => Buffer.from(d).toString("latin1")) },
    ),
  );
}

// ---------------------------------------------------------------- the properties

export interface Outcome {
  status: number;
  text: string;
}

/**
 * Sends one request through a handler and checks: the status is below 500, and when it
 * is an error, the database is exactly as before (no serial consumed, no row or audit
 * entry left behind). A 201 with a certificate must carry a certificate that re-parses.
 */
export async function check(send: () => Promise<Response>): Promise<Outcome> {
  const before = await snapshot();
  const res = await send();
  const text = await res.text();
  expect(res.status, `5xx: ${text}`).toBeLessThan(500);
  if (res.status >= 400) {
    expect(await snapshot(), `a failed request (${res.status} ${text.slice(0, 200)}) changed the database`).toBe(before);
    if (res.headers.get("content-type")?.includes("json")) {
      const j = JSON.parse(text);
      expect(typeof j.error).toBe("string");
    }
  }
  return { status: res.status, text };
}

// What buildDn refuses in a subject it writes itself (lib/pki/dn.ts): C0/C1 controls, DEL, lone surrogates.
const BAD_CHARS = /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * What an issued certificate must satisfy: our strict parser and OpenSSL both accept it,
 * and its subject holds to the rules Rootline applies to subjects it builds itself
 * (string values only, no control characters, CN at most 64 characters).
 */
export function checkIssued(pem: string, viaOpenssl: boolean): void {
  const cert = parseCertificate(pem); // throws InputError (fails the property) if we issued something we cannot read back
  for (const a of decodeName(parseDer(cert.subjectDer)).rdns.flat()) {
    expect(a.value, `issued subject ${cert.subject}: ${a.type} is not a string`).not.toBeNull();
    expect(BAD_CHARS.test(a.value!), `issued subject ${JSON.stringify(cert.subject)} contains control characters`).toBe(false);
    if (a.type === "CN") expect([...a.value!].length, `issued CN is longer than 64 characters`).toBeLessThanOrEqual(64);
  }
  if (viaOpenssl) {
    const r = openssl(["x509", "-noout", "-subject", "-nameopt", "RFC2253"], pem);
    expect(r.status, `OpenSSL refuses an issued certificate: ${r.stderr}`).toBe(0);
  }
}
