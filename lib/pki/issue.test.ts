import fs from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { parseCertificateDer } from "./certificate";
import { x509 } from "../test/x509";
import { parseCsr } from "./csr";
import { TAG, parseDer } from "./der";
import { buildDn } from "./dn";
import { createCaCertificate, createIssuerSigner, signCertificate, type CertificateTemplate, type IssuerSigner } from "./issue";
import { exportPkcs8, exportSpki, generateKeyPair, type KeyType } from "./keys";
import { pemEncode } from "./pem";
import { PROFILE_NAMES, type ProfileName } from "./profiles";
import { DAY, expectInputError, makeCa, openssl, opensslOk, tempDir, x509Csr } from "../test/pki";

const tmp = tempDir();
let n = 0;
const pemFile = (der: Uint8Array) => tmp.write(`c${n++}.pem`, pemEncode("CERTIFICATE", der));
const text = (der: Uint8Array) => opensslOk(["x509", "-inform", "DER", "-noout", "-text"], der);
const verify = (caDer: Uint8Array, leafDer: Uint8Array, untrusted?: Uint8Array) =>
  openssl(["verify", "-CAfile", pemFile(caDer), ...(untrusted ? ["-untrusted", pemFile(untrusted)] : []), pemFile(leafDer)]);

const now = Date.now();
const validity = { notBefore: new Date(now - 60_000), notAfter: new Date(now + 30 * DAY) };

describe("round trip per key type: CA → CSR (@peculiar/x509) → parseCsr → issue → OpenSSL", () => {
  it.each([["ec-p256"], ["ec-p384"], ["rsa-2048"], ["rsa-3072"], ["rsa-4096"]] as [KeyType][])(
    "%s",
    async (kt) => {
      const ca = await makeCa(kt, `CN=Root ${kt}, O=Rootline, C=DE`);
      const caText = text(ca.certDer);
      expect(caText).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
      expect(caText).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
      expect(opensslOk(["verify", "-CAfile", pemFile(ca.certDer), pemFile(ca.certDer)])).toMatch(/: OK/);

      const csr = await x509Csr(kt, "CN=dev-1.fleet.example, O=Acme", [
        { type: "dns", value: "dev-1.fleet.example" },
        { type: "ip", value: "192.0.2.10" },
      ]);
      const req = await parseCsr(csr.pem);
      expect(req.keyType).toBe(kt);
      const der = await signCertificate({
        issuerCertDer: ca.certDer,
        issuerPrivateKey: ca.keyPair.privateKey,
        issuerKeyType: kt,
        subject: req.subject,
        subjectPublicKeySpki: req.publicKeySpki,
        serial: 4242n,
        ...validity,
        profile: "server",
        sans: req.sans,
      });
      const t = text(der);
      expect(t).toMatch(/Subject: O = Acme, CN = dev-1.fleet.example\n/);
      expect(t).toMatch(new RegExp(`Issuer: C = DE, O = Rootline, CN = Root ${kt}\\n`));
      expect(t).toMatch(/X509v3 Subject Alternative Name: \n\s+DNS:dev-1.fleet.example, IP Address:192.0.2.10\n/);
      expect(t).toMatch(/X509v3 Extended Key Usage: \n\s+TLS Web Server Authentication\n/);
      expect(t).toMatch(kt.startsWith("ec") ? /Signature Algorithm: ecdsa-with-SHA(256|384)/ : /Signature Algorithm: sha256WithRSAEncryption/);
      if (kt === "ec-p384") expect(t).toMatch(/ecdsa-with-SHA384/);
      expect(verify(ca.certDer, der).stdout).toMatch(/: OK\n/);
      // A third implementation agrees: @peculiar/x509 verifies the signature with the CA key.
      expect(await new x509.X509Certificate(new Uint8Array(der)).verify({ publicKey: new x509.X509Certificate(new Uint8Array(ca.certDer)) })).toBe(true);
    },
    120_000,
  );
});

describe("with one EC CA", () => {
  let ca: Awaited<ReturnType<typeof makeCa>>;
  let signer: IssuerSigner;
  let ecSpki: Uint8Array;
  let rsaSpki: Uint8Array;
  beforeAll(async () => {
    ca = await makeCa("ec-p256");
    signer = createIssuerSigner({ certDer: ca.certDer, privateKey: ca.keyPair.privateKey, keyType: "ec-p256" });
    ecSpki = await exportSpki((await generateKeyPair("ec-p256")).publicKey);
    rsaSpki = await exportSpki((await generateKeyPair("rsa-2048")).publicKey);
  });
  const base = (over: Partial<CertificateTemplate> = {}): CertificateTemplate => ({
    subject: "CN=leaf.example",
    subjectPublicKeySpki: ecSpki,
    serial: 10n,
    ...validity,
    profile: "server",
    sans: ["DNS:leaf.example"],
    ...over,
  });

  describe("serial numbers: minimal positive INTEGER, as OpenSSL prints them", () => {
    it.each([
      [1n, "01", "020101"],
      [127n, "7F", "02017f"],
      [128n, "80", "02020080"],
      [255n, "FF", "020200ff"],
      [256n, "0100", "02020100"],
      [(1n << 63n) - 1n, "7FFFFFFFFFFFFFFF", "02087fffffffffffffff"],
      [1n << 63n, "8000000000000000", "0209008000000000000000"],
      [(1n << 159n) - 1n, "7F" + "FF".repeat(19), "0214" + "7f" + "ff".repeat(19)],
    ])("%s", (serial, opensslHex, derHex) => {
      const der = signer.issue(base({ serial }));
      expect(opensslOk(["x509", "-inform", "DER", "-noout", "-serial"], der).trim()).toBe(`serial=${opensslHex}`);
      const tbs = parseDer(der).children()[0].children();
      expect(Buffer.from(tbs[1].raw).toString("hex")).toBe(derHex);
      expect(parseCertificateDer(der).serial).toBe(serial);
    });

    it.each([
      [0n, /positive/],
      [-1n, /positive/],
      [1n << 159n, /20 octets/],
      [5, /bigint/],
    ])("refuses %s", async (serial, message) => {
      await expectInputError(() => signer.issue(base({ serial: serial as bigint })), "serial", message);
    });
  });

  describe("profiles (OpenSSL's view)", () => {
    const expected: Record<ProfileName, { ku: Record<"ec" | "rsa", string>; eku: string | null; ca: boolean }> = {
      server: { ku: { ec: "Digital Signature", rsa: "Digital Signature, Key Encipherment" }, eku: "TLS Web Server Authentication", ca: false },
      // OpenSSL shows Rootline's private-arc marker as its dotted OID.
      repository: { ku: { ec: "Digital Signature", rsa: "Digital Signature, Key Encipherment" }, eku: "TLS Web Server Authentication, 2\\.25\\.96199511312433026117000010931874411805\\.1", ca: false },
      client: { ku: { ec: "Digital Signature", rsa: "Digital Signature" }, eku: "TLS Web Client Authentication", ca: false },
      both: { ku: { ec: "Digital Signature", rsa: "Digital Signature, Key Encipherment" }, eku: "TLS Web Server Authentication, TLS Web Client Authentication", ca: false },
      // The CA proxy: the client certificate it presents upstream and the server certificate its TLS clients see.
      proxy: { ku: { ec: "Digital Signature", rsa: "Digital Signature, Key Encipherment" }, eku: "TLS Web Client Authentication, TLS Web Server Authentication", ca: false },
      // The delegated OCSP responder (lib/ocsp/signer.ts): no names, and id-pkix-ocsp-nocheck.
      ocsp: { ku: { ec: "Digital Signature", rsa: "Digital Signature" }, eku: "OCSP Signing", ca: false },
      ca: { ku: { ec: "Certificate Sign, CRL Sign", rsa: "Certificate Sign, CRL Sign" }, eku: null, ca: true },
    };
    const cases = PROFILE_NAMES.flatMap((p) => (["ec", "rsa"] as const).map((fam) => [p, fam] as const));
    it.each(cases)("%s with an %s subject key", (profile, fam) => {
      const e = expected[profile];
      const der = signer.issue(base({ profile, subjectPublicKeySpki: fam === "ec" ? ecSpki : rsaSpki, sans: e.ca || profile === "ocsp" ? [] : ["DNS:leaf.example"] }));
      const t = text(der);
      expect(t).toMatch(new RegExp(`Basic Constraints: critical\\n\\s+CA:${e.ca ? "TRUE" : "FALSE"}\\n`));
      expect(t).toMatch(new RegExp(`Key Usage: critical\\n\\s+${e.ku[fam]}\\n`));
      if (e.eku) expect(t).toMatch(new RegExp(`Extended Key Usage: \\n\\s+${e.eku}\\n`));
      else expect(t).not.toMatch(/Extended Key Usage/);
      if (profile === "ocsp") expect(t).toMatch(/OCSP No Check: \n/);
      else expect(t).not.toMatch(/OCSP No Check/);
      const c = parseCertificateDer(der);
      expect(c.subjectKeyId).toMatch(/^[0-9a-f]{40}$/);
      expect(c.authorityKeyId).toBe(signer.keyId.toString("hex"));
      expect(c.authorityKeyId).toBe(parseCertificateDer(ca.certDer).subjectKeyId);
    });
  });

  it("SKI is SHA-1 of the subject key, as OpenSSL computes it", () => {
    const der = signer.issue(base());
    const t = text(der);
    const ski = /Subject Key Identifier: \n\s+([0-9A-F:]+)\n/.exec(t)![1];
    const keyFile = tmp.write(`k${n++}.der`, ecSpki);
    const pub = opensslOk(["pkey", "-pubin", "-inform", "DER", "-in", keyFile, "-noout", "-text"]);
    const point = Buffer.from(/pub:\n([\s0-9a-f:]+)ASN1/.exec(pub)![1].replace(/[\s:]/g, ""), "hex");
    const expectedSki = opensslOk(["dgst", "-sha1", "-r"], point).split(" ")[0];
    expect(ski.replace(/:/g, "").toLowerCase()).toBe(expectedSki);
  });

  it("dates: whole seconds; UTCTime until 2049, GeneralizedTime from 2050", async () => {
    // A CA that lives past 2050 (a certificate must not outlive its CA).
    const keyPair = await generateKeyPair("ec-p256");
    const longCa = await createCaCertificate({ subject: "CN=Long Root", keyPair, notBefore: new Date(now - 60_000), notAfter: new Date("2060-01-01T00:00:00Z"), serial: 1n });
    const der = createIssuerSigner({ certDer: longCa, privateKey: keyPair.privateKey }).issue(base({ notBefore: new Date("2049-12-31T23:59:59.900Z"), notAfter: new Date("2050-01-01T00:00:00.000Z") }));
    const t = text(der);
    expect(t).toMatch(/Not Before: Dec 31 23:59:59 2049 GMT/);
    expect(t).toMatch(/Not After : Jan {2}1 00:00:00 2050 GMT/);
    const v = parseDer(der).children()[0].children()[4].children();
    expect([v[0].tag, v[1].tag]).toEqual([TAG.UTC_TIME, TAG.GENERALIZED_TIME]);
  });

  it("CA certificates carry no SANs; a pathLen is written when given", () => {
    const der = signer.issue(base({ profile: "ca", sans: [], pathLen: 0 }));
    expect(text(der)).toMatch(/CA:TRUE, pathlen:0/);
  });

  it("a CSR's empty subject is copied byte for byte and makes the SAN critical", async () => {
    const req = await parseCsr(opensslOk(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", tmp.path("e.key"), "-subj", "/", "-addext", "subjectAltName=DNS:anon.example"]));
    const der = signer.issue(base({ subject: { der: Buffer.from(req.subjectDer), text: req.subject, fields: {} }, subjectPublicKeySpki: req.publicKeySpki, sans: req.sans }));
    expect(text(der)).toMatch(/Subject Alternative Name: critical\n\s+DNS:anon.example/);
    expect(verify(ca.certDer, der).stdout).toMatch(/OK/);
    await expectInputError(() => signer.issue(base({ subject: { der: Buffer.from(req.subjectDer), text: "", fields: {} }, profile: "client", sans: [] })), "subject", /empty subject needs a subject alternative name/);
  });

  it("a prebuilt subject is used as is, a broken one refused", async () => {
    const dn = buildDn({ CN: "pre.example", O: "Acme" });
    const der = signer.issue(base({ subject: dn }));
    expect(parseCertificateDer(der).subject).toBe(dn.text);
    await expectInputError(() => signer.issue(base({ subject: { der: Buffer.from([0x30, 0x03, 0x31, 0x01]), text: "", fields: {} } })), "subject", /not a valid Name/);
  });

  it("crlDistributionPoints from the signer options are written into leaves", () => {
    const s = createIssuerSigner({ certDer: ca.certDer, privateKey: ca.keyPair.privateKey, crlDistributionPoints: ["http://repo.example/crl/root.crl"] });
    expect(text(s.issue(base()))).toMatch(/CRL Distribution Points: \n\s+Full Name:\n\s+URI:http:\/\/repo.example\/crl\/root.crl/);
    expect(() => createIssuerSigner({ certDer: ca.certDer, privateKey: ca.keyPair.privateKey, crlDistributionPoints: ["ftp://x"] })).toThrow(/http/);
  });

  describe("template validation", () => {
    const cases: [string, Partial<CertificateTemplate>, string, RegExp][] = [
      ["notAfter before notBefore", { notBefore: new Date(now), notAfter: new Date(now - 1000) }, "notAfter", /later than notBefore/],
      ["notAfter equal to notBefore", { notBefore: new Date(now), notAfter: new Date(now) }, "notAfter", /later/],
      ["an invalid date", { notBefore: new Date("nope") }, "notBefore", /valid date/],
      ["a year before 1950", { notBefore: new Date("1949-01-01") }, "notBefore", /1949/],
      ["a server without SANs", { sans: [] }, "san", /needs at least one DNS: or IP:/],
      ["a CA with SANs", { profile: "ca", sans: ["DNS:x.example"] }, "san", /no subject alternative names/],
      ["a bad SAN", { sans: ["DNS:-x-"] }, "san", /hyphen/],
      ["a URI SAN", { sans: ["URI:http://x"] }, "san", /not supported/],
      ["a forged SAN object", { sans: [{ type: "uri", value: "x" } as never] }, "san", /DNS:name or IP:address/],
      ["duplicate SANs", { sans: ["DNS:a.example", "DNS:A.example"] }, "san", /twice/],
      ["a bad subject", { subject: "CN=x, E=mail" }, "subject", /unknown attribute type "E"/],
      ["an unknown profile", { profile: "smime" as ProfileName }, "profile", /unknown profile "smime"/],
      ["pathLen on a leaf", { pathLen: 1 }, "pathLen", /CA certificates only/],
      ["garbage public key", { subjectPublicKeySpki: new Uint8Array([1, 2, 3]) }, "publicKey", /malformed/],
    ];
    it.each(cases)("refuses %s", async (_, over, field, message) => {
      await expectInputError(() => signer.issue(base(over)), field, message);
    });

    it("refuses an Ed25519 subject key, naming it", async () => {
      const key = tmp.write("ed.pem", opensslOk(["genpkey", "-algorithm", "ed25519"]));
      const spkiFile = tmp.path("ed.der");
      opensslOk(["pkey", "-in", key, "-pubout", "-outform", "DER", "-out", spkiFile]);
      const spki = new Uint8Array(fs.readFileSync(spkiFile));
      await expectInputError(() => signer.issue(base({ subjectPublicKeySpki: spki })), "publicKey", /Ed25519/);
    });
  });

  describe("signer creation", () => {
    it("refuses a leaf certificate as issuer", async () => {
      const leaf = signer.issue(base());
      await expectInputError(() => createIssuerSigner({ certDer: leaf, privateKey: ca.keyPair.privateKey }), "issuerCertificate", /not a CA certificate/);
    });
    it("refuses a private key of another CA", async () => {
      const other = await generateKeyPair("ec-p256");
      await expectInputError(() => createIssuerSigner({ certDer: ca.certDer, privateKey: other.privateKey }), "privateKey", /does not belong/);
      const rsa = await generateKeyPair("rsa-2048");
      await expectInputError(() => createIssuerSigner({ certDer: ca.certDer, privateKey: rsa.privateKey }), "privateKey", /does not belong/);
    });
    it("refuses a wrong key type claim and a broken certificate", async () => {
      await expectInputError(() => createIssuerSigner({ certDer: ca.certDer, privateKey: ca.keyPair.privateKey, keyType: "ec-p384" }), "keyType", /is ec-p256, not ec-p384/);
      await expectInputError(() => createIssuerSigner({ certDer: ca.certDer.subarray(0, 100), privateKey: ca.keyPair.privateKey }), "issuerCertificate", /malformed/);
    });
    it("accepts the key as PKCS#8 bytes", async () => {
      const pkcs8 = await exportPkcs8(ca.keyPair.privateKey);
      const der = await signCertificate({ ...base(), issuerCertDer: ca.certDer, issuerPrivateKey: pkcs8 });
      expect(verify(ca.certDer, der).stdout).toMatch(/OK/);
    });
  });

  it("intermediate CA: root → intermediate (pathLen 0) → leaf verifies; a CA below it breaks the path length", async () => {
    const interKeys = await generateKeyPair("ec-p256");
    const interDer = signer.issue(base({ subject: "CN=Intermediate, O=Rootline", subjectPublicKeySpki: await exportSpki(interKeys.publicKey), profile: "ca", sans: [], pathLen: 0 }));
    const inter = createIssuerSigner({ certDer: interDer, privateKey: interKeys.privateKey });
    const leaf = inter.issue(base({ serial: 2n }));
    expect(verify(ca.certDer, leaf, interDer).stdout).toMatch(/OK/);
    expect(text(leaf)).toMatch(/Issuer: O = Rootline, CN = Intermediate/);

    const subKeys = await generateKeyPair("ec-p256");
    // Rootline refuses to sign a CA below a path length 0 CA …
    await expectInputError(async () => inter.issue(base({ subject: "CN=Too deep", subjectPublicKeySpki: await exportSpki(subKeys.publicKey), profile: "ca", sans: [] })), "parent", /path length 0/);
    // … and OpenSSL rejects one made by hand with the intermediate's key: the constraint is encoded right.
    const interKey = tmp.write(`inter${n++}.key`, pemEncode("PRIVATE KEY", await exportPkcs8(interKeys.privateKey)));
    const subKeyFile = tmp.write(`sub${n++}.key`, pemEncode("PRIVATE KEY", await exportPkcs8(subKeys.privateKey)));
    const subCsr = tmp.path(`sub${n++}.csr`);
    opensslOk(["req", "-new", "-key", subKeyFile, "-subj", "/CN=Too deep", "-out", subCsr]);
    const subPem = tmp.path(`sub${n++}.pem`);
    opensslOk(["x509", "-req", "-in", subCsr, "-CA", pemFile(interDer), "-CAkey", interKey, "-set_serial", "77", "-days", "1", "-extfile", tmp.write(`sub${n++}.ext`, "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"), "-out", subPem]);
    const subDer = parseCertificateDer(new Uint8Array(Buffer.from(fs.readFileSync(subPem, "utf8").replace(/-----[^-]+-----|\s/g, ""), "base64"))).der;
    const deepLeaf = createIssuerSigner({ certDer: subDer, privateKey: subKeys.privateKey }).issue(base({ notAfter: new Date(Date.now() + 12 * 3600_000) }));
    const chain = tmp.write(`chain${n++}.pem`, pemEncode("CERTIFICATE", subDer) + pemEncode("CERTIFICATE", interDer));
    const r = openssl(["verify", "-CAfile", pemFile(ca.certDer), "-untrusted", chain, pemFile(deepLeaf)]);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/path length constraint exceeded/);
  });
});

describe("createCaCertificate", () => {
  it("refuses a key pair whose halves do not belong together", async () => {
    const a = await generateKeyPair("ec-p256");
    const b = await generateKeyPair("ec-p256");
    await expectInputError(
      () => createCaCertificate({ subject: "CN=x", keyPair: { privateKey: a.privateKey, publicKey: b.publicKey }, notBefore: validity.notBefore, notAfter: validity.notAfter, serial: 1n }),
      "keyPair",
      /do not belong together/,
    );
  });
  it("refuses a wrong key type and a bad subject", async () => {
    const a = await generateKeyPair("ec-p256");
    await expectInputError(() => createCaCertificate({ subject: "CN=x", keyPair: a, keyType: "rsa-2048", ...validity, serial: 1n }), "keyType", /is ec-p256/);
    await expectInputError(() => createCaCertificate({ subject: "CN=", keyPair: a, ...validity, serial: 1n }), "subject", /empty/);
  });
  it("self-signed: issuer = subject, AKI = SKI, pathLen when asked", async () => {
    const a = await generateKeyPair("ec-p384");
    const der = await createCaCertificate({ subject: { CN: "Gen 2 Root", O: "Rootline" }, keyPair: a, ...validity, serial: 7n, pathLen: 1 });
    const c = parseCertificateDer(der);
    expect(c.issuer).toBe(c.subject);
    expect(c.authorityKeyId).toBe(c.subjectKeyId);
    expect(c.pathLen).toBe(1);
    expect(c.signatureAlgorithm.name).toBe("ecdsa-with-SHA384");
  });
});

describe("a certificate never outlives its CA", () => {
  it("refuses a notAfter after the CA's notAfter; accepts exactly the CA's notAfter", async () => {
    const ca = await makeCa("ec-p256"); // valid for a year
    const signer = createIssuerSigner({ certDer: ca.certDer, privateKey: ca.keyPair.privateKey });
    const caNotAfter = signer.certificate.notAfter;
    const spki = await exportSpki((await generateKeyPair("ec-p256")).publicKey);
    const t = (notAfter: Date): CertificateTemplate => ({ subject: "CN=long.example", subjectPublicKeySpki: spki, serial: 5n, notBefore: validity.notBefore, notAfter, profile: "server", sans: ["DNS:long.example"] });
    await expectInputError(() => signer.issue(t(new Date(caNotAfter.getTime() + 1000))), "notAfter", /outlive its CA/);
    const der = signer.issue(t(caNotAfter));
    expect(parseCertificateDer(der).notAfter.getTime()).toBe(caNotAfter.getTime());
  });
});
