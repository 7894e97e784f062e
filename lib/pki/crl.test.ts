import fs from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { buildCrl, parseCrl, verifyCrlSignature, type CrlEntry } from "./crl";
import { x509 } from "../test/x509";
import { createIssuerSigner, type IssuerSigner } from "./issue";
import { exportSpki, generateKeyPair, importPrivateKey } from "./keys";
import { pemDecodeOne, pemEncode } from "./pem";
import { serialToHex } from "./fingerprint";
import { REVOCATION_REASONS, REVOCATION_REASON_CODES, parseRevocationReason, type RevocationReason } from "./reasons";
import { signatureScheme } from "./signature";
import { DAY, expectInputError, makeCa, openssl, opensslOk, tempDir } from "../test/pki";

const tmp = tempDir();
let n = 0;
const thisUpdate = new Date("2026-11-01T00:00:00Z");
const nextUpdate = new Date("2026-11-08T00:00:00Z");
const crlFile = (der: Uint8Array) => tmp.write(`crl${n++}.der`, der);
const crlText = (der: Uint8Array) => opensslOk(["crl", "-inform", "DER", "-noout", "-text", "-in", crlFile(der)]);
const caFile = (der: Uint8Array) => tmp.write(`ca${n++}.pem`, pemEncode("CERTIFICATE", der));
const opensslVerifiesCrl = (crl: Uint8Array, caDer: Uint8Array) => openssl(["crl", "-inform", "DER", "-in", crlFile(crl), "-noout", "-verify", "-CAfile", caFile(caDer)]);

/** OpenSSL's names for reason codes, as printed by `openssl crl -text`. */
const OPENSSL_REASON: Record<RevocationReason, string> = {
  unspecified: "Unspecified",
  keyCompromise: "Key Compromise",
  cACompromise: "CA Compromise",
  affiliationChanged: "Affiliation Changed",
  superseded: "Superseded",
  cessationOfOperation: "Cessation Of Operation",
  certificateHold: "Certificate Hold",
  removeFromCRL: "Remove From CRL",
  privilegeWithdrawn: "Privilege Withdrawn",
  aACompromise: "AA Compromise",
};

describe.each(["ec-p256", "rsa-2048"] as const)("CRLs signed by an %s CA", (kt) => {
  let ca: Awaited<ReturnType<typeof makeCa>>;
  let signer: IssuerSigner;
  beforeAll(async () => {
    ca = await makeCa(kt);
    signer = createIssuerSigner({ certDer: ca.certDer, privateKey: ca.keyPair.privateKey });
  });

  it("no entries: revokedCertificates is absent, OpenSSL parses and verifies it", () => {
    const der = buildCrl({ signer, thisUpdate, nextUpdate, crlNumber: 1n, entries: [] });
    const t = crlText(der);
    expect(t).toMatch(/No Revoked Certificates\./);
    expect(t).toMatch(/X509v3 CRL Number: \n\s+1\n/);
    expect(t).toMatch(/Version 2 \(0x1\)/);
    expect(t).toMatch(/Last Update: Nov {2}1 00:00:00 2026 GMT\n\s+Next Update: Nov {2}8 00:00:00 2026 GMT/);
    expect(t).toMatch(new RegExp(`X509v3 Authority Key Identifier: \\n\\s+${signer.keyId.toString("hex").toUpperCase().match(/../g)!.join(":")}`));
    const v = opensslVerifiesCrl(der, ca.certDer);
    expect(v.stderr).toMatch(/verify OK/);
    const p = parseCrl(der);
    expect(p.entries).toEqual([]);
    expect(p.crlNumber).toBe(1n);
    expect(verifyCrlSignature(p, ca.certDer)).toBe(true);
  });

  it("one entry with a reason", () => {
    const der = buildCrl({ signer, thisUpdate, nextUpdate, crlNumber: 2n, entries: [{ serial: 10n, revokedAt: new Date("2026-10-31T12:00:00Z"), reason: "keyCompromise" }] });
    const t = crlText(der);
    expect(t).toMatch(/Serial Number: 0A\n\s+Revocation Date: Oct 31 12:00:00 2026 GMT\n\s+CRL entry extensions:\n\s+X509v3 CRL Reason Code: \n\s+Key Compromise\n/);
    expect(opensslVerifiesCrl(der, ca.certDer).stderr).toMatch(/verify OK/);
    expect(parseCrl(der).entries).toEqual([{ serial: 10n, revokedAt: new Date("2026-10-31T12:00:00Z"), reason: "keyCompromise" }]);
  });

  it("many entries, every reason, some without: OpenSSL shows each reason, no empty entry extensions", () => {
    const reasons: (RevocationReason | undefined)[] = [undefined, ...REVOCATION_REASONS.filter((r) => r !== "removeFromCRL")];
    const entries: CrlEntry[] = Array.from({ length: 500 }, (_, i) => ({
      serial: BigInt(i * 7 + 1) * 0x1_0000_0001n,
      revokedAt: new Date(thisUpdate.getTime() - i * 60_000),
      reason: reasons[i % reasons.length],
    }));
    const der = buildCrl({ signer, thisUpdate, nextUpdate, crlNumber: 3n, entries });
    const t = crlText(der);
    const blocks = t.split("Serial Number: ").slice(1);
    expect(blocks).toHaveLength(entries.length);
    blocks.forEach((b, i) => {
      const e = entries[i];
      expect(b.startsWith(serialToHex(e.serial) + "\n")).toBe(true);
      // "unspecified" is expressed by leaving the reason out (RFC 5280 §5.3.1).
      if (e.reason && e.reason !== "unspecified") expect(b).toMatch(new RegExp(`CRL Reason Code: \\n\\s+${OPENSSL_REASON[e.reason]}\\n`));
      else expect(b).not.toMatch(/CRL entry extensions/);
    });
    // RFC 5280: crlEntryExtensions is SIZE (1..MAX): no empty SEQUENCE anywhere.
    expect(opensslOk(["asn1parse", "-inform", "DER", "-in", crlFile(der)])).not.toMatch(/l= +0 cons: SEQUENCE/);
    expect(opensslVerifiesCrl(der, ca.certDer).stderr).toMatch(/verify OK/);

    const p = parseCrl(der);
    expect(p.entries).toEqual(entries.map((e) => (e.reason && e.reason !== "unspecified" ? e : { serial: e.serial, revokedAt: e.revokedAt })));
    expect(verifyCrlSignature(p, ca.certDer)).toBe(true);
    // A third implementation agrees.
    const crl = new x509.X509Crl(new Uint8Array(der));
    expect(crl.entries).toHaveLength(500);
  });
});

describe("OpenSSL uses the CRL for revocation checking", () => {
  it("the revoked leaf fails with 'certificate revoked', the other passes", async () => {
    const ca = await makeCa("ec-p256");
    const signer = createIssuerSigner({ certDer: ca.certDer, privateKey: ca.keyPair.privateKey });
    const spki = await exportSpki((await generateKeyPair("ec-p256")).publicKey);
    const now = Date.now();
    const leaf = (serial: bigint) => signer.issue({ subject: `CN=s${serial}.example`, subjectPublicKeySpki: spki, serial, notBefore: new Date(now - 60_000), notAfter: new Date(now + DAY), profile: "server", sans: [`DNS:s${serial}.example`] });
    const revoked = tmp.write("revoked.pem", pemEncode("CERTIFICATE", leaf(5n)));
    const good = tmp.write("good.pem", pemEncode("CERTIFICATE", leaf(6n)));
    const crl = buildCrl({ signer, thisUpdate: new Date(now - 60_000), nextUpdate: new Date(now + DAY), crlNumber: 1n, entries: [{ serial: 5n, revokedAt: new Date(now - 30_000), reason: "cessationOfOperation" }] });
    const crlPem = tmp.write("crl.pem", pemEncode("X509 CRL", crl));
    const cafile = caFile(ca.certDer);
    const bad = openssl(["verify", "-crl_check", "-CAfile", cafile, "-CRLfile", crlPem, revoked]);
    expect(bad.status).not.toBe(0);
    expect(bad.stdout + bad.stderr).toMatch(/certificate revoked/);
    expect(opensslOk(["verify", "-crl_check", "-CAfile", cafile, "-CRLfile", crlPem, good])).toMatch(/: OK/);
    // parseCrl also reads the PEM form.
    expect(parseCrl(fs.readFileSync(crlPem, "utf8")).entries[0]).toMatchObject({ serial: 5n, reason: "cessationOfOperation" });
  });
});

describe("buildCrl input checks", () => {
  let signer: IssuerSigner;
  let ca: Awaited<ReturnType<typeof makeCa>>;
  beforeAll(async () => {
    ca = await makeCa("ec-p256");
    signer = createIssuerSigner({ certDer: ca.certDer, privateKey: ca.keyPair.privateKey });
  });
  const at = new Date("2026-10-01T00:00:00Z");
  const cases: [string, object, string, RegExp][] = [
    ["removeFromCRL in a full CRL", { entries: [{ serial: 1n, revokedAt: at, reason: "removeFromCRL" }] }, "entries", /delta CRLs only/],
    ["an unknown reason", { entries: [{ serial: 1n, revokedAt: at, reason: "stolen" }] }, "entries", /unknown revocation reason "stolen"/],
    ["a duplicate serial", { entries: [{ serial: 9n, revokedAt: at }, { serial: 9n, revokedAt: at }] }, "entries", /serial 9 is listed twice/],
    ["serial 0", { entries: [{ serial: 0n, revokedAt: at }] }, "entries", /positive/],
    ["an invalid revocation date", { entries: [{ serial: 1n, revokedAt: new Date("x") }] }, "entries", /valid date/],
    ["nextUpdate before thisUpdate", { nextUpdate: new Date(thisUpdate.getTime() - 1) }, "nextUpdate", /later than thisUpdate/],
    ["a negative CRL number", { crlNumber: -1n }, "crlNumber", /non-negative/],
    ["a CRL number of 21 octets", { crlNumber: 1n << 160n }, "crlNumber", /20 octets/],
  ];
  it.each(cases)("refuses %s", async (_, over, field, message) => {
    await expectInputError(() => buildCrl({ signer, thisUpdate, nextUpdate, crlNumber: 1n, entries: [], ...over }), field, message);
  });

  it("accepts the issuer certificate and key instead of a signer", () => {
    const der = buildCrl({ issuerCertDer: ca.certDer, issuerPrivateKey: ca.keyPair.privateKey, thisUpdate, nextUpdate, crlNumber: 4n, entries: [] });
    expect(verifyCrlSignature(parseCrl(der), ca.certDer)).toBe(true);
  });

  it("a CA without cRLSign may not sign CRLs", async () => {
    const key = tmp.path("nocrl.key");
    const pem = opensslOk(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-subj", "/CN=No CRL", "-addext", "keyUsage=critical,keyCertSign", "-addext", "basicConstraints=critical,CA:TRUE"]);
    const s = createIssuerSigner({ certDer: pemDecodeOne(pem, ["CERTIFICATE"], "t").der, privateKey: (await importPrivateKey(fs.readFileSync(key, "utf8"))).keyObject });
    await expectInputError(() => buildCrl({ signer: s, thisUpdate, nextUpdate, crlNumber: 1n, entries: [] }), "issuer", /cRLSign/);
  });

  it("verifyCrlSignature is false for another CA", async () => {
    const other = await makeCa("ec-p256", "CN=Other");
    const p = parseCrl(buildCrl({ signer, thisUpdate, nextUpdate, crlNumber: 1n, entries: [] }));
    expect(verifyCrlSignature(p, other.certDer)).toBe(false);
    const same = await makeCa("ec-p256"); // same Name, different key
    expect(verifyCrlSignature(p, same.certDer)).toBe(false);
  });

  it("dates from 2050 are GeneralizedTime", () => {
    const der = buildCrl({ signer, thisUpdate, nextUpdate: new Date("2050-06-01T00:00:00Z"), crlNumber: 1n, entries: [{ serial: 1n, revokedAt: new Date("2051-01-01T00:00:00Z") }] });
    const t = crlText(der);
    expect(t).toMatch(/Next Update: Jun {2}1 00:00:00 2050 GMT/);
    expect(t).toMatch(/Revocation Date: Jan {2}1 00:00:00 2051 GMT/);
    expect(parseCrl(der).entries[0].revokedAt.toISOString()).toBe("2051-01-01T00:00:00.000Z");
  });
});

describe("parseCrl is strict", () => {
  it("refuses X509CrlGenerator's empty crlEntryExtensions (forbidden by RFC 5280)", async () => {
    const keys = await generateKeyPair("ec-p256");
    const crl = await x509.X509CrlGenerator.create({
      issuer: "CN=gen",
      thisUpdate,
      nextUpdate,
      entries: [{ serialNumber: "0a", revocationDate: thisUpdate }],
      signingAlgorithm: signatureScheme("ec-p256").webCrypto,
      signingKey: keys.privateKey,
    });
    await expectInputError(() => parseCrl(new Uint8Array(crl.rawData)), "crl", /Extensions must not be empty/);
  });

  it.each([
    ["truncated", (d: Uint8Array) => d.subarray(0, d.length - 3), /truncated/],
    ["trailing bytes", (d: Uint8Array) => Uint8Array.from([...d, 0]), /trailing/],
    ["garbage", () => new Uint8Array([1, 2, 3]), /no PEM block/],
  ])("refuses %s", async (_, mangle, message) => {
    const ca = await makeCa("ec-p256");
    const der = buildCrl({ issuerCertDer: ca.certDer, issuerPrivateKey: ca.keyPair.privateKey, thisUpdate, nextUpdate, crlNumber: 1n, entries: [{ serial: 3n, revokedAt: thisUpdate }] });
    await expectInputError(() => parseCrl(mangle(der)), "crl", message);
  });
});

describe("revocation reasons", () => {
  it("RFC 5280 codes", () => {
    expect(REVOCATION_REASON_CODES).toEqual({
      unspecified: 0, keyCompromise: 1, cACompromise: 2, affiliationChanged: 3, superseded: 4,
      cessationOfOperation: 5, certificateHold: 6, removeFromCRL: 8, privilegeWithdrawn: 9, aACompromise: 10,
    });
  });
  it("parseRevocationReason", async () => {
    expect(parseRevocationReason("keyCompromise")).toBe("keyCompromise");
    await expectInputError(() => parseRevocationReason("toString"), "reason", /unknown revocation reason/);
    await expectInputError(() => parseRevocationReason("KeyCompromise", "revocationReason"), "revocationReason");
  });
});
