import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { pemDecodeOne } from "../pki/pem";
import { opensslOk } from "../test/pki";
import { x509 } from "../test/x509";
import { base64Lines, certsOnly } from "./pkcs7";

const derFromPem = (pem: string): Uint8Array => pemDecodeOne(pem, ["CERTIFICATE"], "certificate").der;

/** Self-signed certificates made by OpenSSL, not by us. */
function opensslCert(cn: string): Uint8Array {
  const pem = opensslOk(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "/dev/null", "-subj", `/CN=${cn}`, "-days", "1"]);
  return derFromPem(pem);
}

describe("certs-only PKCS#7 (RFC 7030 §4.1.3)", () => {
  const leaf = opensslCert("leaf.example");
  const root = opensslCert("Root CA");

  it("is read by openssl pkcs7 -print_certs, certificates in the order given", () => {
    const out = opensslOk(["pkcs7", "-inform", "DER", "-print_certs"], certsOnly([leaf, root]));
    expect([...out.matchAll(/subject=CN = (.+)/g)].map((m) => m[1])).toEqual(["leaf.example", "Root CA"]);
    // The certificates come back byte for byte.
    expect([...out.matchAll(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g)].map((m) => Buffer.from(derFromPem(m[0])).toString("hex"))).toEqual([leaf, root].map((d) => Buffer.from(d).toString("hex")));
  });

  it("is a degenerate SignedData: version 1, no digest algorithms, no content, no signers", () => {
    const asn1 = opensslOk(["asn1parse", "-inform", "DER"], certsOnly([leaf]));
    expect(asn1).toMatch(/OBJECT\s+:pkcs7-signedData/);
    expect(asn1).toMatch(/INTEGER\s+:01/);
    expect(asn1).toMatch(/OBJECT\s+:pkcs7-data/);
    // Two empty SETs: digestAlgorithms and signerInfos.
    expect(asn1.match(/l=\s*0 cons: SET/g)).toHaveLength(2);
    // An independent reader (@peculiar/x509) imports it too.
    const certs = new x509.X509Certificates();
    certs.import(Buffer.from(certsOnly([leaf, root])).toString("base64"));
    expect(certs.map((c) => c.subject)).toEqual(["CN=leaf.example", "CN=Root CA"]);
  });

  it("is sent as base64 in lines of 64 that base64 -d and openssl base64 -d both decode", () => {
    const der = certsOnly([leaf, root]);
    const body = base64Lines(der);
    const lines = body.split("\n");
    expect(lines.pop()).toBe(""); // ends with LF
    expect(lines.every((l) => l.length > 0 && l.length <= 64 && /^[A-Za-z0-9+/=]+$/.test(l))).toBe(true);
    const coreutils = spawnSync("base64", ["-d"], { input: body });
    expect(coreutils.status).toBe(0);
    expect(Buffer.compare(coreutils.stdout, Buffer.from(der))).toBe(0);
    const ossl = spawnSync("openssl", ["base64", "-d"], { input: body });
    expect(Buffer.compare(ossl.stdout, Buffer.from(der))).toBe(0);
  });
});
