import nodeCrypto from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { parseCsr } from "./csr";
import { TAG, bitString, ia5String, integer, oid, printableString, seq, set, tlv, tlvOf, utf8String, ctx } from "./der";
import { createIssuerSigner } from "./issue";
import { OID } from "./oids";
import { expectInputError, makeCa, openssl, tempDir } from "../test/pki";

/**
 * CSR subjects are copied into certificates byte for byte, so they get the builder's
 * rules (lib/pki/dn.ts): attribute types, string types, RFC 5280 lengths, characters.
 * The CSRs here are hand-built (our DER writer, node:crypto signatures) so that each
 * case holds exactly one broken attribute; OpenSSL reads every certificate we issue.
 */

const tmp = tempDir();
const key = nodeCrypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
const spki = key.publicKey.export({ format: "der", type: "spki" });

type Atv = [string, Buffer];
const atv = ([o, v]: Atv) => seq(oid(o), v);
/** A Name of single-attribute RDNs. */
const name = (...atvs: Atv[]) => seq(...atvs.map((a) => set(atv(a))));

function csrWith(subject: Buffer): Buffer {
  const cri = seq(integer(0), subject, spki, tlvOf(ctx(0), []));
  const sig = nodeCrypto.sign("sha256", cri, key.privateKey);
  return seq(cri, seq(oid(OID.ecdsaSha256)), bitString(sig));
}

const utf8 = (s: string) => utf8String(s);
const CN = OID.commonName;

let signer: ReturnType<typeof createIssuerSigner>;
beforeAll(async () => {
  const ca = await makeCa("ec-p256");
  signer = createIssuerSigner({ certDer: ca.certDer, privateKey: ca.keyPair.privateKey });
});

describe("CSR subject rules (table)", () => {
  it.each<[string, Buffer, RegExp]>([
    ["CN as an INTEGER", name([CN, integer(5)]), /unsupported string type/],
    ["an unknown attribute with an INTEGER value", name([CN, utf8("ok.example")], ["2.5.4.99", integer(5)]), /2\.5\.4\.99 is not issued/],
    ["an unknown attribute type (UID)", name(["0.9.2342.19200300.100.1.1", utf8("u")]), /is not issued/],
    ["a NUL in CN", name([CN, utf8("a\u0000b")]), /control characters/],
    ["a newline in CN", name([CN, utf8("a\nb")]), /control characters/],
    ["a C1 control (U+0085) in O", name([OID.organizationName, utf8("a\u0085b")]), /control characters/],
    ["a right-to-left override (U+202E) in CN", name([CN, utf8("evil\u202egpj.exe")]), /bidirectional/],
    ["a first-strong isolate (U+2068) in OU", name([OID.organizationalUnitName, utf8("a\u2068b")]), /bidirectional/],
    ["a 10,000-character CN", name([CN, utf8("x".repeat(10_000))]), /10000 characters long; at most 64/],
    ["a 65-character CN", name([CN, utf8("x".repeat(65))]), /at most 64/],
    ["a 65-character O", name([OID.organizationName, utf8("x".repeat(65))]), /at most 64/],
    ["a 129-character L", name([OID.localityName, utf8("x".repeat(129))]), /at most 128/],
    ["a 129-character ST", name([OID.stateOrProvinceName, utf8("x".repeat(129))]), /at most 128/],
    ["C as UTF8String", name([OID.countryName, utf8("DE")]), /C must be PrintableString, not UTF8String/],
    ["C of three letters", name([OID.countryName, printableString("DEU")]), /at most 2/],
    ["C of two digits", name([OID.countryName, printableString("12")]), /two-letter country code/],
    ["serialNumber as UTF8String", name([OID.serialNumber, utf8("123")]), /serialNumber must be PrintableString/],
    ["a 65-character serialNumber", name([OID.serialNumber, printableString("1".repeat(65))]), /at most 64/],
    ["emailAddress as UTF8String", name([OID.emailAddress, utf8("a@b.example")]), /emailAddress must be IA5String/],
    ["a 256-character emailAddress", name([OID.emailAddress, ia5String("a".repeat(244) + "@b.example.co")]), /at most 255/],
    ["CN as BMPString", name([CN, tlv(TAG.BMP_STRING, Buffer.from("0041", "hex"))]), /must be UTF8String or PrintableString, not tag 0x1e/],
    ["CN as TeletexString", name([CN, tlv(TAG.T61_STRING, Buffer.from("abc"))]), /not tag 0x14/],
    ["a PrintableString with '*'", name([CN, tlv(TAG.PRINTABLE_STRING, Buffer.from("a*b"))]), /invalid PrintableString/],
    ["an empty CN", name([CN, utf8("")]), /must not be empty/],
    ["a blank CN", name([CN, utf8("   ")]), /must not be empty/],
    ["two CNs", name([CN, utf8("a.example")], [CN, utf8("b.example")]), /CN appears more than once/],
    ["a multi-valued RDN", seq(set(atv([CN, utf8("a")]), atv([OID.organizationName, utf8("b")]))), /multi-valued/],
    ["17 RDNs", name(...Array.from({ length: 17 }, (): Atv => [OID.organizationalUnitName, utf8("u")])), /at most 16/],
  ])("refuses %s", async (_n, subject, message) => {
    const e = await expectInputError(() => parseCsr(csrWith(subject)), "csr", message);
    expect(e.status ?? 400).toBe(400);
  });

  it.each<[string, Buffer, string]>([
    ["CN at 64 characters", name([CN, utf8("x".repeat(64))]), `CN=${"x".repeat(64)}`],
    ["CN in PrintableString", name([CN, printableString("dev-1.example")]), "CN=dev-1.example"],
    ["non-Latin UTF-8 CN at 64 code points", name([CN, utf8("東".repeat(64))]), `CN=${"東".repeat(64)}`],
    ["the usual OpenSSL subject", name([OID.countryName, printableString("DE")], [OID.stateOrProvinceName, utf8("Berlin")], [OID.localityName, utf8("Berlin")], [OID.organizationName, utf8("Acme")], [OID.organizationalUnitName, utf8("Fleet")], [CN, utf8("dev.example")], [OID.emailAddress, ia5String("ops@acme.example")]), "emailAddress=ops@acme.example,CN=dev.example,OU=Fleet,O=Acme,L=Berlin,ST=Berlin,C=DE"],
    ["DC components and two OUs", name([OID.domainComponent, ia5String("com")], [OID.domainComponent, ia5String("example")], [OID.organizationalUnitName, utf8("a")], [OID.organizationalUnitName, utf8("b")], [CN, utf8("x")]), "CN=x,OU=b,OU=a,DC=example,DC=com"],
    ["serialNumber, title, GN, SN, street", name([OID.serialNumber, printableString("A-123")], [OID.title, utf8("Printer")], [OID.givenName, utf8("Ada")], [OID.surname, utf8("Lovelace")], [OID.streetAddress, utf8("Main St 1")], [CN, utf8("p")]), "CN=p,street=Main St 1,SN=Lovelace,GN=Ada,title=Printer,serialNumber=A-123"],
    ["an empty subject (the SANs name the device)", seq(), ""],
  ])("accepts %s, and OpenSSL reads the certificate", async (_n, subject, opensslSubject) => {
    const csr = await parseCsr(csrWith(subject));
    const der = signer.issue({ subject: { der: Buffer.from(csr.subjectDer), text: csr.subject, fields: {} }, subjectPublicKeySpki: csr.publicKeySpki, serial: 7n, notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 86_400_000), profile: "server", sans: ["DNS:dev.example"] });
    const r = openssl(["x509", "-inform", "DER", "-noout", "-subject", "-nameopt", "RFC2253,-esc_msb,utf8"], der);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(`subject=${opensslSubject}`);
  });

  it("a CSR made by OpenSSL with the usual attributes passes", async () => {
    const k = tmp.path("k.pem");
    const r = openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", k, "-subj", "/C=DE/ST=Berlin/L=Berlin/O=Acme/OU=Fleet/CN=dev.example/emailAddress=ops@acme.example"]);
    expect(r.status, r.stderr).toBe(0);
    expect((await parseCsr(r.stdout)).subject).toBe("emailAddress=ops@acme.example, CN=dev.example, OU=Fleet, O=Acme, L=Berlin, ST=Berlin, C=DE");
  });

  it("an OID with a 60,000-octet arc in the subject is a clean InputError, at once", async () => {
    // Within the 64 KiB upload cap; decoding such an arc took ~0.6 s before the cap (quadratic).
    const hugeArc = Buffer.concat([Buffer.from([0x2a]), Buffer.alloc(60_000, 0xff), Buffer.from([0x7f])]);
    const subject = seq(set(seq(tlv(TAG.OID, hugeArc), utf8("x"))));
    const t0 = Date.now();
    await expectInputError(() => parseCsr(csrWith(subject)), "csr", /malformed: attribute type: OBJECT IDENTIFIER of \d+ octets is too long/);
    expect(Date.now() - t0).toBeLessThan(200);
  });
});
