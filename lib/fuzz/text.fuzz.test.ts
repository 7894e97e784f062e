import fc from "fast-check";
import { afterAll, describe, expect, it, vi } from "vitest";
import { InputError } from "../errors";
import { buildDn, formatDn, parseDnString } from "../pki/dn";
import { checkSerial, serialFromDecimal, serialFromHex } from "../pki/fingerprint";
import { parseKeyType } from "../pki/keys";
import { parseProfile } from "../pki/profiles";
import { parseRevocationReason } from "../pki/reasons";
import { parseSan, parseSans } from "../pki/san";
import { z } from "zod";
import { readJson } from "../http/api";
import { counter, domainOnly, hostileString, runs } from "./arbitraries";
import { body, field, objectBody, request } from "./http";

/** The text parsers behind forms, the CLI and API bodies: a value or an InputError, nothing else. */
vi.setConfig({ testTimeout: 120_000 });
const count = counter("lib/fuzz/text.fuzz.test.ts");
afterAll(() => count.report());
const PUBLIC = [InputError] as const;

const dnText = fc.oneof(
  hostileString(30),
  fc
    .array(fc.tuple(fc.constantFrom("CN", "O", "OU", "C", "ST", "L", "cn", "commonName", "X", ""), fc.constantFrom("=", " = ", ""), hostileString(8)), { maxLength: 5 })
    .map((a) => a.map(([k, eq, v]) => `${k}${eq}${v}`).join(", ")),
);
const dnFields = fc.dictionary(fc.constantFrom("CN", "O", "C", "OU", "ST", "L", "X", "__proto__"), fc.oneof(hostileString(10), fc.integer(), fc.constant(null)) as fc.Arbitrary<unknown>);

describe("DN and SAN text", () => {
  it("parseDnString", async () => {
    await fc.assert(
      fc.asyncProperty(dnText, async (text) => {
        count.tick("dn: parseDnString");
        await domainOnly(() => parseDnString(text), PUBLIC);
      }),
      { numRuns: runs(3000) },
    );
  });

  it("buildDn (string and field forms); what it accepts re-parses to the same Name", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(dnText, dnFields), async (input) => {
        count.tick("dn: buildDn (+ display round trip)");
        await domainOnly(() => {
          const dn = buildDn(input as never);
          expect(formatDn(dn.der)).toBe(dn.text);
          expect(buildDn(dn.text).der.equals(dn.der)).toBe(true);
        }, PUBLIC);
      }),
      { numRuns: runs(3000) },
    );
  });

  it("parseSan / parseSans", async () => {
    const sanText = fc.oneof(hostileString(20), fc.tuple(fc.constantFrom("DNS:", "IP:", "dns:", "URI:", "email:", ""), hostileString(12)).map(([a, b]) => a + b));
    await fc.assert(
      fc.asyncProperty(fc.oneof(sanText, fc.array(sanText, { maxLength: 4 })), async (input) => {
        count.tick("san: parseSan + parseSans");
        if (typeof input === "string") await domainOnly(() => parseSan(input), PUBLIC);
        await domainOnly(() => parseSans(input), PUBLIC);
      }),
      { numRuns: runs(3000) },
    );
  });
});

describe("scalar parsers (serials, key types, profiles, reasons)", () => {
  it.each([
    ["serialFromDecimal", (s: string) => serialFromDecimal(s)],
    ["serialFromHex", (s: string) => serialFromHex(s)],
  ])("%s on hostile text", async (name, parse) => {
    await fc.assert(
      fc.asyncProperty(hostileString(30), async (s) => {
        count.tick(`scalar: ${name}`);
        await domainOnly(() => parse(s), PUBLIC);
      }),
      { numRuns: runs(2250) },
    );
  });

  // These take `unknown` (CLI flags, form fields, JSON bodies): any value at all.
  const anything = fc.oneof(hostileString(20), fc.anything() as fc.Arbitrary<unknown>, fc.bigInt(), fc.double());
  it.each([
    ["checkSerial", (v: unknown) => checkSerial(v)],
    ["parseKeyType", (v: unknown) => parseKeyType(v)],
    ["parseProfile", (v: unknown) => parseProfile(v)],
    ["parseRevocationReason", (v: unknown) => parseRevocationReason(v)],
  ])("%s on any value", async (name, parse) => {
    await fc.assert(
      fc.asyncProperty(anything, async (v) => {
        count.tick(`scalar: ${name}`);
        await domainOnly(() => parse(v), PUBLIC);
      }),
      { numRuns: runs(1500) },
    );
  });
});

describe("API body parsing (readJson + zod), in process", () => {
  // The shape of the renewal body (app/api/renewal/[issuer]/[serial]/route.ts): a union, strict objects.
  const Renewal = z.union([
    z.object({ csr: z.string().min(1), token: z.string().min(1) }).strict(),
    z.object({ csr: z.string().min(1), certificate: z.string().min(1), signature: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/) }).strict(),
  ]);
  const Issue = z.object({ issuer: z.string().min(1), csr: z.string().min(1), profile: z.enum(["server", "client", "both"]).optional(), sans: z.array(z.string()).max(100).optional() });

  it.each([
    ["renewal body", Renewal, { csr: field(hostileString(20)), token: field(hostileString(20)), certificate: field(hostileString(20)), signature: field(fc.constantFrom("AAAA", "A===", "")) }],
    ["issue body", Issue, { issuer: field(hostileString(10)), csr: field(hostileString(20)), profile: field(fc.constantFrom("server", "x")), sans: field(fc.array(hostileString(8), { maxLength: 3 })) }],
  ] as const)("readJson: %s", async (name, schema, fields) => {
    await fc.assert(
      fc.asyncProperty(body(objectBody(fields as Record<string, fc.Arbitrary<unknown>>)), async (b) => {
        count.tick(`readJson: ${name}`);
        await domainOnly(() => readJson(request("POST", "/x", null, b), schema), PUBLIC);
      }),
      { numRuns: runs(1500) },
    );
  });
});
