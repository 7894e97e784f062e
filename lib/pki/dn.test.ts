import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { buildDn, formatDn, parseDnString, DN_KEYS, type DnFields } from "./dn";
import { opensslOk, expectInputError } from "../test/pki";

describe("buildDn from a string", () => {
  it.each([
    ["CN=x, O=y", "CN=x, O=y"],
    ["O=y,CN=x", "CN=x, O=y"],
    ["cn = device-17 , o = Acme GmbH , c = de", "CN=device-17, O=Acme GmbH, C=DE"],
    ["CN=Printer 7, OU=Floor 2, O=Acme, L=Berlin, ST=Berlin, C=DE", "CN=Printer 7, OU=Floor 2, O=Acme, L=Berlin, ST=Berlin, C=DE"],
    ["commonName=x, organizationName=y", "CN=x, O=y"],
    ["CN=Smith\\, John", "CN=Smith\\, John"],
    ["CN=a\\+b\\=c", "CN=a\\+b\\=c"],
    ["CN=\\#hash", "CN=\\#hash"],
    ["CN=caf\\C3\\A9", "CN=café"],
    ["CN=Zürich 東京", "CN=Zürich 東京"],
    ["CN=emoji 😀", "CN=emoji 😀"],
  ])("%s → %s", (input, text) => {
    expect(buildDn(input).text).toBe(text);
  });

  it.each([
    ["", /empty/],
    ["   ", /empty/],
    ["CN=", /CN must not be empty/],
    ["CN=  ", /CN must not be empty/],
    ["CN=x, O=", /O must not be empty/],
    ["CN=x,", /not of the form/],
    ["CN", /not of the form/],
    ["x", /not of the form/],
    ["EMAIL=a@b.c", /unknown attribute type "EMAIL"/],
    ["CN=x, DC=example", /unknown attribute type "DC"/],
    ["1.2.3.4=x", /unknown attribute type/],
    ["C=DEU", /two-letter country code/],
    ["C=D", /two-letter country code/],
    ["C=1A", /two-letter country code/],
    ["CN=a, CN=b", /more than once/],
    ["CN=a+O=b", /multi-valued/],
    ["CN=a;b", /escaped/],
    ["CN=a\\", /lone backslash/],
    ["CN=a\\q", /invalid escape/],
    ["CN=\\FF", /invalid UTF-8/],
    [`CN=${"x".repeat(65)}`, /65 characters long; at most 64/],
    ["CN=tab\\09tab", /control characters/],
    ["CN=nul\\00nul", /control characters/],
    ["CN=c1\\C2\\85c1", /control characters/],
    ["CN=evil\u202egpj.exe", /bidirectional/],
    ["CN=iso\u2066late", /bidirectional/],
    ["CN=mark\u200f", /bidirectional/],
  ])("rejects %j", async (input, message) => {
    await expectInputError(() => buildDn(input), "subject", message);
  });
});

describe("buildDn from fields", () => {
  it("orders C, ST, L, O, OU, CN in the encoding and shows most specific first", () => {
    const dn = buildDn({ CN: "dev", O: "Acme", C: "de", OU: "IoT", L: "Köln", ST: "NRW" });
    expect(dn.text).toBe("CN=dev, OU=IoT, O=Acme, L=Köln, ST=NRW, C=DE");
    expect(dn.fields).toEqual({ C: "DE", ST: "NRW", L: "Köln", O: "Acme", OU: "IoT", CN: "dev" });
  });
  it.each([
    [{}, /at least one attribute/],
    [{ CN: "x", emailAddress: "a@b" }, /unknown attribute type "emailAddress"/],
    [{ CN: 5 }, /must be text/],
    [{ CN: " " }, /must not be empty/],
    [{ ST: "s".repeat(129) }, /at most 128/],
  ])("rejects %j", async (fields, message) => {
    await expectInputError(() => buildDn(fields as DnFields), "subject", message);
  });
  it("uses the field name it is given", async () => {
    await expectInputError(() => buildDn("CN=", "issuerSubject"), "issuerSubject");
  });
});

describe("encoding, checked by OpenSSL", () => {
  it("C is a PrintableString and the rest UTF8String, in order C..CN", () => {
    const dn = buildDn("CN=Zürich, O=Acme, C=CH");
    const out = opensslOk(["asn1parse", "-inform", "DER"], dn.der);
    const types = [...out.matchAll(/prim: (\w+)\s*:([^\n]*)/g)].map((m) => `${m[1]}:${m[2].trim()}`);
    expect(types).toEqual(["OBJECT:countryName", "PRINTABLESTRING:CH", "OBJECT:organizationName", "UTF8STRING:Acme", "OBJECT:commonName", "UTF8STRING:Zürich"]);
  });
});

describe("round trip: fields → text → fields", () => {
  const value = fc
    .string({ minLength: 1, maxLength: 20, unit: "grapheme" })
    .map((s) => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, "x").trim())
    .filter((s) => s.length > 0 && [...s].length <= 20);
  it("parseDnString(formatDn(buildDn(f))) gives f back", () => {
    fc.assert(
      fc.property(
        fc.record({ CN: value, O: fc.option(value, { nil: undefined }), OU: fc.option(value, { nil: undefined }), L: fc.option(value, { nil: undefined }) }, { requiredKeys: ["CN"] }),
        (f) => {
          const clean = Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as DnFields;
          const dn = buildDn(clean);
          expect(parseDnString(formatDn(dn.der))).toEqual(dn.fields);
          expect(buildDn(dn.text).der.equals(dn.der)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

it("DN_KEYS lists exactly the six supported attributes", () => {
  expect([...DN_KEYS].sort()).toEqual(["C", "CN", "L", "O", "OU", "ST"]);
});
