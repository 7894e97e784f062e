import { beforeAll, describe, expect, it } from "vitest";
import { parseCsr } from "./csr";
import { InputError } from "../errors";
import { exportSpki, spkiSha256Hex, type KeyType } from "./keys";
import { pemEncode } from "./pem";
import { formatSan } from "./san";
import { expectInputError, opensslOk, tempDir, x509Csr } from "../test/pki";

const tmp = tempDir();

/** A CSR made by OpenSSL's CLI; returns PEM. */
function opensslCsr(keyArgs: string[], subj: string, extra: string[] = []): string {
  const key = tmp.path(`k${Math.random().toString(36).slice(2)}.pem`);
  return opensslOk(["req", "-new", ...keyArgs, "-nodes", "-keyout", key, "-subj", subj, ...extra]);
}
const EC256 = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"];

describe("valid CSRs", () => {
  it.each(["ec-p256", "ec-p384", "rsa-2048"] as KeyType[])("%s CSR from @peculiar/x509, as PEM and DER", async (kt) => {
    // @peculiar/x509 encodes RDNs in string order, so CN first here.
    const { keys, der, pem } = await x509Csr(kt, "CN=dev1.example.com, O=Acme", [
      { type: "dns", value: "dev1.example.com" },
      { type: "ip", value: "10.1.2.3" },
    ]);
    for (const input of [pem, der]) {
      const c = await parseCsr(input);
      expect(c.keyType).toBe(kt);
      expect(c.commonName).toBe("dev1.example.com");
      // Display is RFC 4514 order (last RDN first), exactly as OpenSSL's RFC2253 name option prints it.
      expect(c.subject).toBe("O=Acme, CN=dev1.example.com");
      const ossl = opensslOk(["req", "-inform", "DER", "-noout", "-subject", "-nameopt", "RFC2253"], der).trim();
      expect(ossl).toBe(`subject=${c.subject.replace(/, /g, ",")}`);
      expect(c.sans.map(formatSan)).toEqual(["DNS:dev1.example.com", "IP:10.1.2.3"]);
      const spki = await exportSpki(keys.publicKey);
      expect(Buffer.from(c.publicKeySpki).equals(Buffer.from(spki))).toBe(true);
      expect(c.spkiSha256).toBe(spkiSha256Hex(spki));
    }
  });

  it("accepts the NEW CERTIFICATE REQUEST label", async () => {
    const { der } = await x509Csr("ec-p256", "CN=legacy");
    expect((await parseCsr(pemEncode("NEW CERTIFICATE REQUEST", der))).commonName).toBe("legacy");
  });

  it("OpenSSL CSR with SANs, challengePassword and other requested extensions", async () => {
    const pem = opensslCsr(EC256, "/C=DE/O=Acme/CN=printer-7.example", [
      "-addext", "subjectAltName=DNS:printer-7.example,IP:2001:db8::7",
      "-addext", "keyUsage=digitalSignature",
      "-addext", "basicConstraints=CA:TRUE",
    ]);
    const c = await parseCsr(pem);
    expect(c.subject).toBe("CN=printer-7.example, O=Acme, C=DE");
    expect(c.sans.map(formatSan)).toEqual(["DNS:printer-7.example", "IP:2001:db8::7"]);
    expect(c.signatureAlgorithm).toBe("ecdsa-with-SHA256");
  });

  it("P-384 CSR signed with SHA-256 (OpenSSL's default) is fine", async () => {
    const c = await parseCsr(opensslCsr(["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"], "/CN=p384"));
    expect(c.keyType).toBe("ec-p384");
    expect(c.signatureAlgorithm).toBe("ecdsa-with-SHA256");
  });

  it("an empty subject is allowed (the SANs name the device)", async () => {
    const c = await parseCsr(opensslCsr(EC256, "/", ["-addext", "subjectAltName=DNS:only-san.example"]));
    expect(c.subject).toBe("");
    expect(c.commonName).toBeNull();
  });
});

describe("malformed and refused CSRs", () => {
  let good: { der: Uint8Array; pem: string };
  beforeAll(async () => {
    good = await x509Csr("ec-p256", "CN=ok.example");
  });

  const flip = (b: Uint8Array, i: number) => {
    const c = Uint8Array.from(b);
    c[i < 0 ? c.length + i : i] ^= 0x01;
    return c;
  };

  const cases: [string, () => Uint8Array | string, RegExp, number?][] = [
    ["empty", () => "", /empty/],
    ["empty bytes", () => new Uint8Array(), /empty/],
    ["garbage text", () => "this is not a CSR", /no PEM block found/],
    ["garbage bytes", () => new Uint8Array([0xde, 0xad, 0xbe, 0xef]), /no PEM block found/],
    ["truncated PEM (no END line)", () => good.pem.slice(0, good.pem.indexOf("-----END")), /truncated/],
    ["PEM with a broken body", () => good.pem.replace(/\n[A-Za-z0-9+/]{10}/, "\n!!!!!!!!!!"), /not base64/],
    ["truncated DER", () => good.der.subarray(0, good.der.length - 10), /malformed: truncated/],
    ["DER with trailing garbage", () => Uint8Array.from([...good.der, 0, 0]), /malformed: 2 trailing bytes/],
    ["PEM with the wrong label", () => pemEncode("CERTIFICATE", good.der), /expected a PEM block labelled CERTIFICATE REQUEST or NEW CERTIFICATE REQUEST, found CERTIFICATE/],
    ["two CSRs in one file", () => good.pem + good.pem, /expected one CERTIFICATE REQUEST block, found 2/],
    ["a tampered signature", () => flip(good.der, -1), /^the CSR's signature does not verify$/],
    ["a tampered subject", () => flip(good.der, good.der.indexOf(0x6f /* "o" of ok.example */)), /^the CSR's signature does not verify$/],
    ["too large", () => new Uint8Array(70_000).fill(0x30), /too large/, 413],
  ];
  it.each(cases)("%s", async (_, input, message, status) => {
    const e = await expectInputError(() => parseCsr(input()), "csr", message);
    expect(e.status).toBe(status ?? 400);
  });

  it("an Ed25519 CSR is refused, naming the key type", async () => {
    const pem = opensslCsr(["-newkey", "ed25519"], "/CN=ed");
    await expectInputError(() => parseCsr(pem), "csr", /the CSR's key is Ed25519, which Rootline does not support; supported key types: ec-p256/);
  });

  it.each([
    ["ECDSA P-521", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-521"]],
    ["RSA 1024-bit", ["-newkey", "rsa:1024"]],
  ])("a %s CSR is refused, naming it", async (name, args) => {
    await expectInputError(() => parseCsr(opensslCsr(args, "/CN=x")), "csr", new RegExp(`key is ${name}`));
  });

  it("a SHA-1 signed CSR is refused", async () => {
    await expectInputError(() => parseCsr(opensslCsr(["-newkey", "rsa:2048", "-sha1"], "/CN=old")), "csr", /sha1WithRSAEncryption is not accepted/);
  });

  it.each([
    ["URI", "subjectAltName=DNS:ok.example,URI:https://x.example/", /requests the SAN URI:https:\/\/x.example\/; only DNS and IP/],
    ["email", "subjectAltName=email:a@example.com", /requests the SAN email:a@example.com/],
    ["bad DNS", "subjectAltName=DNS:-bad-.com", /invalid SAN: DNS name "-bad-.com" has a label that starts or ends with a hyphen/],
    ["wildcard TLD", "subjectAltName=DNS:*.com", /invalid SAN/],
    ["duplicate", "subjectAltName=DNS:a.example,DNS:A.example", /requests the SAN DNS:a.example twice/],
  ])("a CSR requesting a %s SAN is refused", async (_, ext, message) => {
    await expectInputError(() => parseCsr(opensslCsr(EC256, "/CN=x", ["-addext", ext])), "csr", message);
  });

  it("every single-bit corruption is an InputError (never accepted, never a raw exception)", async () => {
    // Random corruption of every byte position must end in InputError, not a crash.
    // A signed object: flipping any single bit anywhere must be detected.
    for (let i = 0; i < good.der.length; i++) {
      let err: unknown = null;
      try {
        await parseCsr(flip(good.der, i));
      } catch (e) {
        err = e;
      }
      expect(err, `flipped byte ${i}`).toBeInstanceOf(InputError);
    }
  });
});
