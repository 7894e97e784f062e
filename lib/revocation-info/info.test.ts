import nodeCrypto from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { bitString, integer, octetString, oid, parseDer, seq, tlv, utf8String } from "../pki/der";
import { InputError } from "../errors";
import { spkiSha256Hex, toKeyObject } from "../pki/keys";
import { OID } from "../pki/oids";
import { makeCa, issueLeaf, type TestCa } from "../test/device";
import { parseRevocationInfo, signRevocationInfo, verifyRevocationInfo } from "./info";
import { MAX_REVOCATION_NUMBER, encodeRevocationInfo, encodeSignedRevocationInfo } from "./infoDer";

let ca: TestCa;
let other: TestCa;
let rsa: TestCa;
let p384: TestCa;

beforeAll(async () => {
  [ca, other, p384, rsa] = await Promise.all([makeCa("CN=Info CA"), makeCa("CN=Other CA"), makeCa("CN=Info P-384 CA", "ec-p384"), makeCa("CN=Info RSA CA", "rsa-2048")]);
});

const sign = (c: TestCa, revocationNumber: bigint, issuerName = "info-ca") =>
  signRevocationInfo({ issuerName, issuerCertDer: c.certDer, privateKey: c.keyPkcs8, keyType: c.keyType, revocationNumber });

const keyHash = (c: TestCa): Buffer => Buffer.from(spkiSha256Hex(c.signer.certificate.spki), "hex");

describe("signRevocationInfo / verifyRevocationInfo", () => {
  it.each(["ec-p256", "ec-p384", "rsa-2048"] as const)("round-trips the DER and the JSON form for a %s CA", (kt) => {
    const c = { "ec-p256": ca, "ec-p384": p384, "rsa-2048": rsa }[kt];
    const s = sign(c, 42n);
    for (const input of [s.der, s.json, JSON.stringify(s.json), new Uint8Array(Buffer.from(JSON.stringify(s.json)))]) {
      const v = verifyRevocationInfo(input, c.certDer);
      expect(v).toMatchObject({ ok: true, issuer: "info-ca", revocationNumber: 42n, issuerKeySha256: keyHash(c).toString("hex") });
    }
    // The JSON carries the very bytes the DER signs.
    expect(Buffer.from(s.json.tbs, "base64").equals(Buffer.from(encodeRevocationInfo({ issuerName: "info-ca", issuerKeySha256: keyHash(c), revocationNumber: 42n })))).toBe(true);
    expect(s.json.algorithm).toBe({ "ec-p256": "ecdsa-with-SHA256", "ec-p384": "ecdsa-with-SHA384", "rsa-2048": "sha256WithRSAEncryption" }[kt]);
  });

  it("writes RN 0, RNs above 2^53 (as a JSON string) and the maximum 2^159", () => {
    for (const rn of [0n, 2n ** 53n - 1n, 2n ** 53n, MAX_REVOCATION_NUMBER]) {
      const s = sign(ca, rn);
      expect(s.json.revocationNumber).toStrictEqual(rn < 2n ** 53n ? Number(rn) : rn.toString());
      expect(verifyRevocationInfo(s.json, ca.certDer)).toMatchObject({ ok: true, revocationNumber: rn });
      expect(verifyRevocationInfo(s.der, ca.certDer)).toMatchObject({ ok: true, revocationNumber: rn });
    }
  });

  it("refuses to sign out-of-range numbers, bad names, non-CA certificates and foreign keys", async () => {
    expect(() => sign(ca, -1n)).toThrow(InputError);
    expect(() => sign(ca, MAX_REVOCATION_NUMBER + 1n)).toThrow(InputError);
    expect(() => sign(ca, 1n, "")).toThrow(InputError);
    expect(() => sign(ca, 1n, "a/b")).toThrow(InputError);
    expect(() => sign(ca, 1n, "x".repeat(201))).toThrow(InputError);
    expect(() => signRevocationInfo({ issuerName: "x", issuerCertDer: ca.certDer, privateKey: other.keyPkcs8, revocationNumber: 1n })).toThrow(InputError);
    const leaf = await issueLeaf(ca, 5n);
    expect(() => signRevocationInfo({ issuerName: "x", issuerCertDer: leaf.certDer, privateKey: leaf.keyPkcs8, revocationNumber: 1n })).toThrow(InputError);
  });

  it("rejects every single-byte change of the DER form (exhaustive), with the error of the part hit", () => {
    const der = Buffer.from(sign(ca, 3n).der);
    // Regions by offset, from the strict reader: [tbs, alg, sig] and tbs = [version, keyHash, name, rn].
    const [tbs, alg, sig] = parseDer(der).children();
    const [, hash, name, rn] = tbs.children();
    const expected = (i: number): string | string[] => {
      if (i >= hash.contentStart && i < hash.end) return "wrong-issuer";
      if (i >= name.contentStart && i < name.end) return "bad-signature"; // still valid UTF-8 text: only the signature notices
      if (i >= rn.contentStart && i < rn.end) return "bad-signature"; // RN 3 → 2
      if (i > sig.contentStart && i < sig.end) return "bad-signature"; // inside the signature value
      if (i >= alg.contentStart + 2 && i < alg.end) return ["malformed", "bad-signature"]; // OID arcs: another OID, or an invalid one
      return "malformed"; // tags, lengths, version, unused-bits byte
    };
    for (let i = 0; i < der.length; i++) {
      const t = Buffer.from(der);
      t[i] ^= 0x01;
      const v = verifyRevocationInfo(t, ca.certDer);
      expect(v.ok, `byte ${i}`).toBe(false);
      const want = expected(i);
      expect(Array.isArray(want) ? want : [want], `byte ${i}`).toContain(v.ok ? "ok" : v.error);
    }
  });

  it("rejects a changed tbs or signature in the JSON form", () => {
    const j = sign(ca, 3n).json;
    const tbs = Buffer.from(j.tbs, "base64");
    tbs[tbs.length - 1] = 4; // RN 3 → 4, with the readable copy adjusted too: only the signature can tell
    expect(verifyRevocationInfo({ ...j, tbs: tbs.toString("base64"), revocationNumber: 4 }, ca.certDer)).toMatchObject({ ok: false, error: "bad-signature" });
    const sig = Buffer.from(j.signature, "base64");
    sig[10] ^= 0x80;
    expect(verifyRevocationInfo({ ...j, signature: sig.toString("base64") }, ca.certDer)).toMatchObject({ ok: false, error: "bad-signature" });
  });

  it("names the wrong CA, and refuses a statement that claims a CA's key but was signed by another", () => {
    expect(verifyRevocationInfo(sign(other, 3n).der, ca.certDer)).toMatchObject({ ok: false, error: "wrong-issuer" });
    const forgedTbs = encodeRevocationInfo({ issuerName: "info-ca", issuerKeySha256: keyHash(ca), revocationNumber: 9n });
    const forged = encodeSignedRevocationInfo(forgedTbs, other.signer.scheme.algorithmIdentifier, other.signer.sign(forgedTbs));
    expect(verifyRevocationInfo(forged, ca.certDer)).toMatchObject({ ok: false, error: "bad-signature" });
  });

  it("accepts only the one algorithm of the CA key type (no substitution, even with a valid signature)", () => {
    const tbs = encodeRevocationInfo({ issuerName: "info-ca", issuerKeySha256: keyHash(ca), revocationNumber: 9n });
    const sha384sig = nodeCrypto.sign("sha384", tbs, { key: toKeyObject(ca.keyPkcs8), dsaEncoding: "der" });
    const substituted = encodeSignedRevocationInfo(tbs, seq(oid(OID.ecdsaSha384)), sha384sig);
    expect(nodeCrypto.verify("sha384", tbs, { key: nodeCrypto.createPublicKey(toKeyObject(ca.keyPkcs8)), dsaEncoding: "der" }, sha384sig)).toBe(true);
    expect(verifyRevocationInfo(substituted, ca.certDer)).toMatchObject({ ok: false, error: "bad-signature" });
    const j = sign(ca, 9n).json;
    expect(verifyRevocationInfo({ ...j, algorithm: "ecdsa-with-SHA384" }, ca.certDer)).toMatchObject({ ok: false, error: "bad-signature" });
    expect(verifyRevocationInfo({ ...j, algorithm: "ecdsa-with-SHA1" }, ca.certDer)).toMatchObject({ ok: false, error: "malformed" });
  });
});

describe("strict decoding", () => {
  const good = () => sign(ca, 3n);
  const tbsWith = (parts: Uint8Array[]) => seq(...parts);
  const h = () => keyHash(ca);
  const signed = (tbs: Uint8Array) => encodeSignedRevocationInfo(tbs, ca.signer.scheme.algorithmIdentifier, ca.signer.sign(tbs));

  it.each<[string, () => Uint8Array]>([
    ["empty input", () => new Uint8Array(0)],
    ["text that is neither DER nor JSON", () => new Uint8Array(Buffer.from("hello"))],
    ["a trailing byte", () => Buffer.concat([good().der, Buffer.from([0])])],
    ["truncated", () => good().der.subarray(0, 100)],
    ["larger than 4096 bytes", () => Buffer.concat([good().der, Buffer.alloc(5000)])],
    ["version 2 (validly signed)", () => signed(tbsWith([integer(2), octetString(h()), utf8String("info-ca"), integer(3)]))],
    ["issuer name as PrintableString", () => signed(tbsWith([integer(1), octetString(h()), tlv(0x13, Buffer.from("infoca")), integer(3)]))],
    ["a 31-byte key hash", () => signed(tbsWith([integer(1), octetString(h().subarray(1)), utf8String("info-ca"), integer(3)]))],
    ["a negative RN", () => signed(tbsWith([integer(1), octetString(h()), utf8String("info-ca"), integer(-1)]))],
    ["an RN above 2^159", () => signed(tbsWith([integer(1), octetString(h()), utf8String("info-ca"), integer(MAX_REVOCATION_NUMBER + 1n)]))],
    ["a non-minimal RN", () => signed(tbsWith([integer(1), octetString(h()), utf8String("info-ca"), tlv(0x02, Buffer.from([0, 3]))]))],
    ["an extra field", () => signed(tbsWith([integer(1), octetString(h()), utf8String("info-ca"), integer(3), integer(0)]))],
    ["a long-form length that fits the short form", () => signed(Buffer.concat([Buffer.from([0x30, 0x81, 52]), seq(integer(1), octetString(h()), utf8String("info-ca"), integer(3)).subarray(2)]))],
    ["a signature with unused bits", () => seq(encodeRevocationInfo({ issuerName: "info-ca", issuerKeySha256: h(), revocationNumber: 3n }), ca.signer.scheme.algorithmIdentifier, bitString(Buffer.from([1, 2]), 1))],
  ])("refuses %s as malformed", (_name, make) => {
    const v = verifyRevocationInfo(make(), ca.certDer);
    expect(v).toMatchObject({ ok: false, error: "malformed" });
  });

  it.each<[string, (j: Record<string, unknown>) => unknown]>([
    ["an unknown member", (j) => ({ ...j, extra: 1 })],
    ["a missing tbs", ({ tbs: _t, ...j }) => j],
    ["a readable RN that differs from tbs", (j) => ({ ...j, revocationNumber: 4 })],
    ["a readable issuer that differs from tbs", (j) => ({ ...j, issuer: "someone-else" })],
    ["a readable key hash that differs from tbs", (j) => ({ ...j, issuerKeySha256: "00".repeat(32) })],
    ["a small RN written as a string", (j) => ({ ...j, revocationNumber: "3" })],
    ["a fractional RN", (j) => ({ ...j, revocationNumber: 3.5 })],
    ["base64 with line breaks", (j) => ({ ...j, signature: (j.signature as string).slice(0, 8) + "\n" + (j.signature as string).slice(8) })],
    ["version 2", (j) => ({ ...j, version: 2 })],
    ["JSON that does not parse", (j) => JSON.stringify(j).slice(0, -1)],
  ])("refuses JSON with %s as malformed", (_name, change) => {
    const j = good().json as unknown as Record<string, unknown>;
    expect(verifyRevocationInfo(change(j) as Record<string, unknown>, ca.certDer)).toMatchObject({ ok: false, error: "malformed" });
  });

  it("parses without verifying, so a device can look up the CA first", () => {
    const p = parseRevocationInfo(sign(other, 7n).der);
    expect(p.ok && Buffer.from(p.value.fields.issuerKeySha256).equals(keyHash(other))).toBe(true);
  });

  it("throws InputError (a configuration error) when the CA certificate itself is unusable", () => {
    expect(() => verifyRevocationInfo(good().der, new Uint8Array([0x30, 0x00]))).toThrow(InputError);
  });
});
