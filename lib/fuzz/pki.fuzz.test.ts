import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { InputError } from "../errors";
import { parseCertificate, parseCertificateChain, parseCertificateDer, decodeCertificate } from "../pki/certificate";
import { buildCrl, parseCrl } from "../pki/crl";
import { parseCsr } from "../pki/csr";
import { DerError, parseDer, readTlv } from "../pki/der";
import { decodeName, formatDn } from "../pki/dn";
import { importPrivateKey, keyTypeOfSpki, exportPkcs8 } from "../pki/keys";
import { derFromUpload, pemDecodeAll } from "../pki/pem";
import { parseSpki } from "../pki/spki";
import { createIssuerSigner } from "../pki/issue";
import { makeCa, x509Csr } from "../test/pki";
import { CSR_SPKI, counter, derInput, domainOnly, hostileString, LEAK, nameDer, pemInput, runs, signedHostileCsr } from "./arbitraries";

/**
 * Every PKI parser, fed structured garbage: the answer is a value or a domain error
 * (InputError, or DerError from the low-level DER reader) — never a TypeError/RangeError,
 * never a domain error whose message leaks one, never a hang.
 */
// Counts are sized for ~10-20 s on a shared 2-core machine; generous timeout so load does not fail a passing run.
vi.setConfig({ testTimeout: 120_000 });
const count = counter("lib/fuzz/pki.fuzz.test.ts");
afterAll(() => count.report());

const seeds = { csr: [] as Uint8Array[], cert: [] as Uint8Array[], crl: [] as Uint8Array[], spki: [] as Uint8Array[], name: [] as Uint8Array[], pkcs8: [] as Uint8Array[] };

beforeAll(async () => {
  const ca = await makeCa("ec-p256");
  const rsaCa = await makeCa("rsa-2048", "CN=RSA Root");
  const signer = createIssuerSigner({ certDer: ca.certDer, privateKey: ca.keyPair.privateKey });
  for (const kt of ["ec-p256", "ec-p384", "rsa-2048"] as const) {
    const { der } = await x509Csr(kt, "CN=dev1.example.com, O=Acme", [
      { type: "dns", value: "dev1.example.com" },
      { type: "ip", value: "10.1.2.3" },
    ]);
    seeds.csr.push(der);
    const c = parseCertificateDer(signer.issue({ subject: "CN=dev1.example.com, O=Acme, C=DE", subjectPublicKeySpki: (await parseCsr(der)).publicKeySpki, serial: 4711n, notBefore: new Date(), notAfter: new Date(Date.now() + 86_400_000), profile: "server", sans: ["DNS:dev1.example.com", "IP:2001:db8::1"] }));
    seeds.cert.push(c.der);
    seeds.spki.push(c.spki);
    seeds.name.push(c.subjectDer, c.issuerDer);
  }
  seeds.cert.push(ca.certDer, rsaCa.certDer);
  seeds.crl.push(buildCrl({ signer, thisUpdate: new Date(), nextUpdate: new Date(Date.now() + 86_400_000), crlNumber: 7n, entries: [{ serial: 5n, revokedAt: new Date(), reason: "keyCompromise" }, { serial: 6n, revokedAt: new Date() }] }));
  seeds.crl.push(buildCrl({ signer, thisUpdate: new Date(), nextUpdate: new Date(Date.now() + 86_400_000), crlNumber: 1n, entries: [] }));
  seeds.pkcs8.push(await exportPkcs8(ca.keyPair.privateKey), await exportPkcs8(rsaCa.keyPair.privateKey));
  seeds.spki.push(CSR_SPKI);
});

/** Low-level DER readers may throw DerError; everything public throws InputError. */
const LOW = [DerError] as const;
const PUBLIC = [InputError] as const;

describe("PKI parsers never fail with a non-domain error", () => {
  it("parseDer / readTlv / children walk", () => {
    fc.assert(
      fc.property(derInput([...seeds.csr, ...seeds.cert, ...seeds.crl]), (buf) => {
        count.tick("der: parseDer + recursive children()");
        const walk = (d: ReturnType<typeof parseDer>, depth: number): void => {
          if (d.constructed && depth < 64) for (const c of d.children()) walk(c, depth + 1);
        };
        try {
          walk(parseDer(buf), 0);
          readTlv(buf, 0);
        } catch (e) {
          if (!(e instanceof DerError)) throw e;
        }
      }),
      { numRuns: runs(1200) },
    );
  });

  it("parseCsr: mutated DER and PEM", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(derInput(seeds.csr), pemInput(seeds.csr, "CERTIFICATE REQUEST")), async (input) => {
        count.tick("csr: parseCsr (mutated DER / PEM)");
        await domainOnly(() => parseCsr(input), PUBLIC);
      }),
      { numRuns: runs(900) },
    );
  });

  it("parseCsr: validly signed CSRs with hostile subjects and SAN requests", async () => {
    await fc.assert(
      fc.asyncProperty(signedHostileCsr, async (der) => {
        count.tick("csr: parseCsr (signed, hostile subject/SANs)");
        await domainOnly(() => parseCsr(der), PUBLIC);
      }),
      { numRuns: runs(600) },
    );
  });

  it("parseCertificate / parseCertificateChain / decodeCertificate", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(derInput(seeds.cert), pemInput(seeds.cert, "CERTIFICATE")), async (input) => {
        count.tick("certificate: parse + chain + decode");
        await domainOnly(() => {
          const c = parseCertificate(input);
          decodeCertificate(c);
        }, PUBLIC);
        await domainOnly(() => parseCertificateChain(input), PUBLIC);
      }),
      { numRuns: runs(900) },
    );
  });

  it("parseCrl", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(derInput(seeds.crl), pemInput(seeds.crl, "X509 CRL")), async (input) => {
        count.tick("crl: parseCrl");
        await domainOnly(() => parseCrl(input), PUBLIC);
      }),
      { numRuns: runs(900) },
    );
  });

  it("parseSpki / keyTypeOfSpki", async () => {
    await fc.assert(
      fc.asyncProperty(derInput(seeds.spki), async (spki) => {
        count.tick("spki: parseSpki + keyTypeOfSpki");
        await domainOnly(() => parseSpki(spki), LOW);
        await domainOnly(() => keyTypeOfSpki(spki), PUBLIC);
      }),
      { numRuns: runs(900) },
    );
  });

  it("importPrivateKey (PKCS#8 DER and PEM)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(derInput(seeds.pkcs8), pemInput(seeds.pkcs8, "PRIVATE KEY")), async (input) => {
        count.tick("keys: importPrivateKey");
        await domainOnly(() => importPrivateKey(input), PUBLIC);
      }),
      { numRuns: runs(250) },
    );
  });

  it("decodeName / formatDn (structured Names and mutated ones)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(nameDer, derInput(seeds.name)), async (der) => {
        count.tick("dn: decodeName + formatDn");
        await domainOnly(() => decodeName(parseDer(der)), LOW);
        await domainOnly(() => formatDn(der), LOW);
      }),
      { numRuns: runs(1500) },
    );
  });

  it("pemDecodeAll / derFromUpload on hostile text", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(hostileString(60, true), pemInput(seeds.cert, "CERTIFICATE")), async (text) => {
        count.tick("pem: pemDecodeAll + derFromUpload");
        await domainOnly(() => pemDecodeAll(text, "f"), PUBLIC);
        await domainOnly(() => derFromUpload(text, ["CERTIFICATE"], "f"), PUBLIC);
      }),
      { numRuns: runs(900) },
    );
  });
});

describe("domain errors are clean", () => {
  it("LEAK matches what an internal failure looks like", () => {
    expect(LEAK.test("the CSR is malformed: RangeError: Invalid code point 1114112")).toBe(true);
    expect(LEAK.test("the CSR is malformed: truncated: 5 content bytes announced, 2 present")).toBe(false);
  });
});
