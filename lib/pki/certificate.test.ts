import fs from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import {
  decodeCertificate,
  parseCertificate,
  parseCertificateChain,
  privateKeyMatchesCertificate,
  verifyCertificateSignature,
} from "./certificate";
import { integer, nul, oid, parseDer, seq } from "./der";
import { importPrivateKey } from "./keys";
import { pemDecodeOne, pemEncode } from "./pem";
import { expectInputError, makeCa, openssl, opensslOk, tempDir } from "../test/pki";

const tmp = tempDir();

/** A certificate made entirely by OpenSSL, with extensions we do not write ourselves. */
function opensslCert(keyArgs: string[], extra: string[] = []) {
  const key = tmp.path(`k${Math.random().toString(36).slice(2)}.pem`);
  const pem = opensslOk([
    "req", "-x509", ...keyArgs, "-nodes", "-keyout", key, "-days", "30", "-set_serial", "0x0123456789abcdef01",
    "-subj", "/C=DE/ST=Berlin/O=Acme, Inc./OU=Fleet/CN=ossl.example",
    ...extra,
  ]);
  return { pem, der: pemDecodeOne(pem, ["CERTIFICATE"], "t").der, keyFile: key };
}

describe("decodeCertificate agrees with OpenSSL", () => {
  let c: ReturnType<typeof opensslCert>;
  beforeAll(() => {
    c = opensslCert(["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"], [
      "-addext", "basicConstraints=critical,CA:TRUE,pathlen:2",
      "-addext", "keyUsage=critical,digitalSignature,keyCertSign,cRLSign",
      "-addext", "extendedKeyUsage=serverAuth,clientAuth,codeSigning,1.2.3.4.5",
      "-addext", "subjectAltName=DNS:a.example,IP:10.0.0.1,IP:2001:db8::1,URI:https://u.example/x,email:ops@example.com",
      "-addext", "crlDistributionPoints=URI:http://crl.example/root.crl",
      "-addext", "authorityInfoAccess=caIssuers;URI:http://ca.example/root.cer",
    ]);
  });

  it("every field", () => {
    const d = decodeCertificate(c.der);
    const o = (args: string[]) => opensslOk(["x509", "-inform", "DER", "-noout", ...args], c.der).trim();
    expect(d.version).toBe(3);
    expect(d.serialDecimal).toBe(BigInt("0x0123456789abcdef01").toString());
    expect(d.serialHex).toBe("01:23:45:67:89:AB:CD:EF:01");
    expect(o(["-serial"])).toBe(`serial=${d.serialHex.replace(/:/g, "")}`);
    expect(o(["-subject", "-nameopt", "RFC2253"])).toBe(`subject=${d.subject.replace(/, (?=[A-Z]+=)/g, ",")}`);
    expect(d.subject).toBe("CN=ossl.example, OU=Fleet, O=Acme\\, Inc., ST=Berlin, C=DE");
    expect(d.issuer).toBe(d.subject);
    expect(d.commonName).toBe("ossl.example");
    const dates = o(["-dates"]);
    expect(new Date(/notBefore=(.*)/.exec(dates)![1]).getTime()).toBe(d.notBefore.getTime());
    expect(new Date(/notAfter=(.*)/.exec(dates)![1]).getTime()).toBe(d.notAfter.getTime());
    expect(o(["-fingerprint", "-sha256"])).toBe(`sha256 Fingerprint=${d.fingerprints.sha256.toUpperCase().match(/../g)!.join(":")}`);
    expect(o(["-fingerprint", "-sha1"])).toBe(`sha1 Fingerprint=${d.fingerprints.sha1.toUpperCase().match(/../g)!.join(":")}`);
    expect(d.signatureAlgorithm.name).toBe("ecdsa-with-SHA256");
    expect(d.publicKey).toMatchObject({ algorithm: "EC", keyType: "ec-p256", curve: "P-256", modulusBits: null, description: "ECDSA P-256" });
    const spkiFile = tmp.path("spki.der");
    opensslOk(["x509", "-in", tmp.write("c.pem", c.pem), "-pubkey", "-noout", "-out", tmp.path("pub.pem")]);
    opensslOk(["pkey", "-pubin", "-in", tmp.path("pub.pem"), "-outform", "DER", "-out", spkiFile]);
    expect(d.publicKey.spkiSha256).toBe(opensslOk(["dgst", "-sha256", "-r", spkiFile]).split(" ")[0]);
    expect(d.isCa).toBe(true);
    expect(d.sans).toEqual(["DNS:a.example", "IP:10.0.0.1", "IP:2001:db8::1", "URI:https://u.example/x", "email:ops@example.com"]);

    const ext = Object.fromEntries(d.extensions.map((e) => [e.name === "other" ? e.oid : e.name, e]));
    expect(ext.basicConstraints).toMatchObject({ critical: true, ca: true, pathLen: 2, text: "CA:TRUE, pathlen:2" });
    expect(ext.keyUsage).toMatchObject({ critical: true, usages: ["digitalSignature", "keyCertSign", "cRLSign"] });
    expect(ext.extKeyUsage).toMatchObject({ critical: false, usages: ["serverAuth", "clientAuth", "codeSigning", "1.2.3.4.5"] });
    expect(ext.cRLDistributionPoints).toMatchObject({ uris: ["URI:http://crl.example/root.crl"] });
    const text = o(["-text"]);
    const ski = /Subject Key Identifier: \n\s+([0-9A-F:]+)/.exec(text)![1];
    expect(ext.subjectKeyIdentifier).toMatchObject({ critical: false, text: ski });
    expect(ext.authorityInfoAccess).toMatchObject({ name: "authorityInfoAccess", critical: false });
    expect(ext.authorityInfoAccess).toMatchObject({ caIssuers: ["URI:http://ca.example/root.cer"], text: "CA Issuers - URI:http://ca.example/root.cer" });
  });

  it("an RSA certificate's modulus size", () => {
    const r = opensslCert(["-newkey", "rsa:3072"]);
    expect(decodeCertificate(r.der).publicKey).toMatchObject({ algorithm: "RSA", keyType: "rsa-3072", modulusBits: 3072, curve: null });
  });

  it("an Ed25519 certificate decodes for display, with no Rootline key type", async () => {
    const e = opensslCert(["-newkey", "ed25519"]);
    const d = decodeCertificate(e.der);
    expect(d.publicKey).toMatchObject({ keyType: null, description: "Ed25519" });
    expect(d.signatureAlgorithm.name).toBe("Ed25519");
    // …but its signature algorithm is not one we verify.
    await expectInputError(() => verifyCertificateSignature(e.der, e.der), "certificate", /Ed25519 is not accepted/);
  });
});

describe("parseCertificate is strict", () => {
  let good: { pem: string; der: Uint8Array };
  beforeAll(() => {
    good = opensslCert(["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]);
  });

  // Re-assemble a certificate from its parts with one part replaced.
  const parts = (der: Uint8Array) => parseDer(der).children().map((p) => Buffer.from(p.raw));

  const cases: [string, () => Uint8Array | string, RegExp][] = [
    ["empty", () => "", /empty/],
    ["garbage", () => "hello", /no PEM block/],
    ["truncated PEM", () => good.pem.slice(0, -30), /truncated|not base64/],
    ["truncated DER", () => good.der.subarray(0, good.der.length - 1), /malformed: truncated/],
    ["trailing bytes", () => Uint8Array.from([...good.der, 0x00]), /trailing bytes/],
    ["a CSR label", () => pemEncode("CERTIFICATE REQUEST", good.der), /labelled CERTIFICATE, found CERTIFICATE REQUEST/],
    ["a CSR", () => opensslOk(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "/dev/null", "-subj", "/CN=x"]), /labelled CERTIFICATE/],
    ["a different outer signature algorithm", () => {
      const [tbs, , sig] = parts(good.der);
      return seq(tbs, seq(oid("1.2.840.10045.4.3.3")), sig);
    }, /inner and outer signature algorithms differ/],
    ["ECDSA algorithm with parameters", () => {
      const [tbs, , sig] = parts(good.der);
      return seq(tbs, seq(oid("1.2.840.10045.4.3.2"), nul()), sig);
    }, /must not have parameters/],
    ["two elements only", () => {
      const [tbs, alg] = parts(good.der);
      return seq(tbs, alg);
    }, /three elements/],
    ["DER that is not a SEQUENCE (taken as text)", () => integer(5), /no PEM block/],
    ["a SEQUENCE that is not a certificate", () => seq(integer(5)), /three elements/],
  ];
  it.each(cases)("%s", async (_, input, message) => {
    await expectInputError(() => parseCertificate(input()), "certificate", message);
  });

  it("field name is the caller's", async () => {
    await expectInputError(() => parseCertificate("", "caCertificate"), "caCertificate");
  });

  it("negative serials are refused", async () => {
    const key = tmp.path("neg.key");
    const r = openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-subj", "/CN=neg", "-set_serial", "-5"]);
    expect(r.status).toBe(0);
    expect(opensslOk(["x509", "-noout", "-serial"], r.stdout)).toMatch(/serial=-05/);
    await expectInputError(() => parseCertificate(r.stdout), "certificate", /negative serial/);
  });

  it("chains: several CERTIFICATE blocks; other blocks refused", async () => {
    const other = opensslCert(["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]);
    expect(parseCertificateChain(good.pem + other.pem).map((c) => c.commonName)).toEqual(["ossl.example", "ossl.example"]);
    expect(parseCertificateChain(good.der)).toHaveLength(1);
    await expectInputError(() => parseCertificateChain(good.pem + "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), "chain", /only CERTIFICATE blocks/);
  });
});

describe("verifyCertificateSignature and privateKeyMatchesCertificate", () => {
  it("true for the issuer, false for another CA and for a tampered certificate", async () => {
    const a = await makeCa("ec-p256");
    const b = await makeCa("rsa-2048");
    expect(await verifyCertificateSignature(a.certDer, a.certDer)).toBe(true);
    expect(await verifyCertificateSignature(b.certDer, b.certDer)).toBe(true);
    expect(await verifyCertificateSignature(a.certDer, b.certDer)).toBe(false);
    const tampered = Uint8Array.from(a.certDer);
    tampered[tampered.length - 5] ^= 0x10;
    expect(await verifyCertificateSignature(tampered, a.certDer)).toBe(false);
  });

  it("CA import: a matching pair is accepted, a mismatched pair is detected", async () => {
    const a = await makeCa("ec-p256");
    const b = await makeCa("ec-p256");
    expect(await privateKeyMatchesCertificate(a.certDer, a.keyPair.privateKey)).toBe(true);
    expect(await privateKeyMatchesCertificate(a.certDer, b.keyPair.privateKey)).toBe(false);

    // The same with files made by OpenSSL, as an operator would upload them.
    const key = tmp.path("imp.key");
    const pem = opensslOk(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-subj", "/CN=Imported Root", "-days", "10"]);
    const otherKey = tmp.write("other.key", opensslOk(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]));
    const cert = parseCertificate(pem);
    expect(cert.isCa).toBe(true);
    expect(await privateKeyMatchesCertificate(cert, (await importPrivateKey(fs.readFileSync(key, "utf8"))).keyObject)).toBe(true);
    expect(await privateKeyMatchesCertificate(cert, (await importPrivateKey(fs.readFileSync(otherKey, "utf8"))).keyObject)).toBe(false);
  });
});
