import nodeCrypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { bitString, seq } from "../pki/der";
import { makeCa } from "../test/pki";
import { CaInfoError, caInfoJsonText, encodeCaInfo, parseCaInfo, signCaInfo, signCaInfoWith, verifyCaInfo, type CaInfoTbs } from "./caInfo";

const keyPair = (curve: "P-256" | "P-384" | "rsa") =>
  curve === "rsa" ? nodeCrypto.generateKeyPairSync("rsa", { modulusLength: 2048 }) : nodeCrypto.generateKeyPairSync("ec", { namedCurve: curve });
const spkiOf = (k: nodeCrypto.KeyObject) => new Uint8Array(k.export({ type: "spki", format: "der" }));

describe("CA information codec", async () => {
  const ca = await makeCa("ec-p256", "CN=Lineage L-1");
  const tbs: CaInfoTbs = { lineage: "L", generation: 1, caCertDer: ca.certDer, nextUrl: "https://127.0.0.1:8443/ca-info/2" };
  const dist = keyPair("P-256");
  const signed = signCaInfo(tbs, dist.privateKey);

  it("round-trips both forms to the same signed bytes, and both verify", () => {
    const fromDer = parseCaInfo(signed.der);
    const fromJson = parseCaInfo(caInfoJsonText(signed.json));
    for (const i of [fromDer, fromJson]) {
      expect(i).toMatchObject({ lineage: "L", generation: 1, nextUrl: "https://127.0.0.1:8443/ca-info/2", algorithm: "ecdsa-with-SHA256" });
      expect(Buffer.from(i.caCertDer).equals(Buffer.from(ca.certDer))).toBe(true);
      expect(Buffer.from(i.tbs).equals(encodeCaInfo(tbs))).toBe(true);
      expect(Buffer.from(i.der).equals(Buffer.from(signed.der))).toBe(true);
      expect(verifyCaInfo(i, spkiOf(dist.publicKey))).toBe(true);
    }
    expect([fromDer.form, fromJson.form]).toEqual(["der", "json"]);
    // JSON text given as bytes is recognised too.
    expect(parseCaInfo(new Uint8Array(Buffer.from(" " + caInfoJsonText(signed.json)))).form).toBe("json");
  });

  it("P-384 distribution keys sign with SHA-384", () => {
    const k = keyPair("P-384");
    const i = parseCaInfo(signCaInfo(tbs, k.privateKey).der);
    expect(i.algorithm).toBe("ecdsa-with-SHA384");
    expect(verifyCaInfo(i, spkiOf(k.publicKey))).toBe(true);
    expect(verifyCaInfo(i, spkiOf(dist.publicKey))).toBe(false);
  });

  it("signs with a key outside the process (a token) the same document, and refuses a signature by any other key", async () => {
    const k = keyPair("P-384");
    const external = (signer: nodeCrypto.KeyObject) => ({ spki: spkiOf(k.publicKey), sign: async (d: Uint8Array) => nodeCrypto.sign("sha384", d, { key: signer, dsaEncoding: "der" }) });
    const i = parseCaInfo((await signCaInfoWith(tbs, external(k.privateKey))).der);
    expect(i).toMatchObject({ algorithm: "ecdsa-with-SHA384", generation: 1 });
    expect(verifyCaInfo(i, spkiOf(k.publicKey))).toBe(true);
    await expect(signCaInfoWith(tbs, external(keyPair("P-384").privateKey))).rejects.toThrow(/does not verify/);
    await expect(signCaInfoWith({ ...tbs, nextUrl: "http://x/2" }, external(k.privateKey))).rejects.toMatchObject({ field: "caInfo" });
  });

  it("refuses RSA distribution keys", () => {
    expect(() => signCaInfo(tbs, keyPair("rsa").privateKey)).toThrow(/P-256 or P-384/);
    expect(verifyCaInfo(parseCaInfo(signed.der), spkiOf(keyPair("rsa").publicKey))).toBe(false);
  });

  it("a tampered document or another key does not verify", () => {
    expect(verifyCaInfo(parseCaInfo(signed.der), spkiOf(keyPair("P-256").publicKey))).toBe(false);
    // Flip the last character of the URL inside the signed bytes: still well formed, signature fails.
    const der = Buffer.from(signed.der);
    const at = der.indexOf(Buffer.from("/ca-info/2"));
    der[at + 9] = "3".charCodeAt(0);
    const t = parseCaInfo(der);
    expect(t.nextUrl).toBe("https://127.0.0.1:8443/ca-info/3");
    expect(verifyCaInfo(t, spkiOf(dist.publicKey))).toBe(false);
    // A signature from the key over other bytes, pasted onto these.
    const other = parseCaInfo(signCaInfo({ ...tbs, generation: 2 }, dist.privateKey).der);
    const spliced = parseCaInfo(seq(other.tbs, seq(Buffer.from("06082a8648ce3d040302", "hex")), bitString(parseCaInfo(signed.der).signature)));
    expect(spliced.generation).toBe(2);
    expect(verifyCaInfo(spliced, spkiOf(dist.publicKey))).toBe(false);
  });

  it("refuses a JSON form whose readable fields disagree with tbs", () => {
    for (const [k, v, msg] of [
      ["generation", 2, /generation differs/],
      ["nextUrl", "https://evil.example/ca-info/2", /nextUrl differs/],
      ["lineage", "M", /lineage differs/],
      ["caCertificateSha256", "0".repeat(64), /caCertificateSha256 differs/],
      ["extra", 1, /extra|unrecognized/i],
      ["algorithm", "sha256WithRSAEncryption", /algorithm/],
    ] as const) {
      expect(() => parseCaInfo(JSON.stringify({ ...signed.json, [k]: v })), k).toThrow(msg);
    }
  });

  it("parses strictly: trailing bytes, non-canonical DER, wrong version, bad URL, truncated certificate", () => {
    const e = (input: Uint8Array | string) => {
      try {
        parseCaInfo(input);
      } catch (err) {
        expect(err).toBeInstanceOf(CaInfoError);
        return (err as Error).message;
      }
      throw new Error("accepted");
    };
    expect(e(Buffer.concat([signed.der, Buffer.from([0])]))).toMatch(/trailing/);
    expect(e(new Uint8Array(0))).toMatch(/neither DER/);
    expect(e("not json")).toMatch(/not valid JSON/);
    expect(e(Buffer.alloc(20000, 0x30))).toMatch(/larger than/);
    const info = parseCaInfo(signed.der);
    const sig = bitString(info.signature);
    const alg = seq(Buffer.from("06082a8648ce3d040302", "hex"));
    // version 2
    const v2 = Buffer.from(info.tbs);
    v2[v2.indexOf(Buffer.from([2, 1, 1])) + 2] = 2;
    expect(e(seq(v2, alg, sig))).toMatch(/version 2/);
    // http URL, encoded by hand (encodeCaInfo refuses it)
    const t = Buffer.from(info.tbs);
    const httpTbs = Buffer.from(t.toString("latin1").replace("https://127.0.0.1:8443/ca-info/2", "http://127.0.0.1:8443/ca-info/22"), "latin1");
    expect(e(seq(httpTbs, alg, sig))).toMatch(/must be https/);
    expect(() => encodeCaInfo({ ...tbs, nextUrl: "https://HOST.example/x" })).toThrow(/canonical/);
    expect(() => encodeCaInfo({ ...tbs, generation: 0 })).toThrow(/generation/);
    expect(() => encodeCaInfo({ ...tbs, lineage: "a/b" })).toThrow(/lineage/);
    const leaf = Buffer.from(ca.certDer);
    expect(() => encodeCaInfo({ ...tbs, caCertDer: leaf.subarray(0, leaf.length - 1) })).toThrow(/malformed/);
    // A wrong algorithm identifier in the DER form (RSA's).
    expect(e(seq(info.tbs, Buffer.from("300d06092a864886f70d01010b0500", "hex"), sig))).toMatch(/is not ecdsa-with-SHA256/);
  });
});
