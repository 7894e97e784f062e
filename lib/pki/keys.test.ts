import nodeCrypto from "node:crypto";
import fs from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { bitString, explicit, integer, octetString, oid, seq } from "./der";
import { OID } from "./oids";
import {
  KEY_TYPES,
  exportPkcs8,
  exportSpki,
  generateKeyPair,
  importPrivateKey,
  keyTypeOfSpki,
  parseKeyType,
  privateKeyMatchesSpki,
  spkiSha256Hex,
  toKeyObject,
  type KeyType,
} from "./keys";
import { pemEncode } from "./pem";
import { signatureScheme, signWith, verifySignature } from "./signature";
import { expectInputError, openssl, opensslOk, tempDir } from "../test/pki";

const tmp = tempDir();

let n = 0;
/** A key made by OpenSSL (PKCS#8 PEM file) and its public key as DER. */
function opensslKey(name: string, genArgs: string[]) {
  const pkcs8Pem = tmp.write(`${name}.p8.pem`, opensslOk(["genpkey", ...genArgs]));
  return { pkcs8Pem, spki: spkiDerOf(pkcs8Pem) };
}
/** OpenSSL's SubjectPublicKeyInfo DER for a private key file (PEM or DER). */
function spkiDerOf(keyFile: string, inform = "PEM"): Buffer {
  const out = tmp.path(`spki-${n++}.der`);
  opensslOk(["pkey", "-inform", inform, "-in", keyFile, "-pubout", "-outform", "DER", "-out", out]);
  return fs.readFileSync(out);
}
/** Converts with OpenSSL into a file and returns its bytes (binary-safe). */
function opensslToFile(args: string[]): Buffer {
  const out = tmp.path(`conv-${n++}`);
  opensslOk([...args, "-out", out]);
  return fs.readFileSync(out);
}
const readFile = (p: string) => fs.readFileSync(p);

describe("parseKeyType", () => {
  it.each(KEY_TYPES)("accepts %s", (t) => expect(parseKeyType(t)).toBe(t));
  it.each(["", "ec-p521", "RSA-2048", "ed25519", 256, null])("rejects %j", async (t) => {
    await expectInputError(() => parseKeyType(t), "keyType", /expected one of ec-p256, ec-p384, rsa-2048, rsa-3072, rsa-4096/);
  });
});

describe("generateKeyPair (RSA 4096 is covered once, in issue.test.ts)", () => {
  it.each(["ec-p256", "ec-p384", "rsa-2048", "rsa-3072"] as KeyType[])("%s: extractable, right type, OpenSSL agrees", async (t) => {
    const pair = await generateKeyPair(t);
    expect(pair.privateKey.extractable).toBe(true);
    const spki = await exportSpki(pair.publicKey);
    expect(keyTypeOfSpki(spki)).toBe(t);
    const pkcs8 = await exportPkcs8(pair.privateKey);
    const text = opensslOk(["pkey", "-inform", "DER", "-noout", "-text"], pkcs8);
    expect(text).toMatch(t.startsWith("ec") ? new RegExp(`NIST CURVE: ${t === "ec-p256" ? "P-256" : "P-384"}`) : new RegExp(`Private-Key: \\(${t.slice(4)} bit`));
    // Signing with the scheme of the key type verifies.
    const data = Buffer.from("challenge");
    const sig = signWith(nodeCrypto.createPrivateKey({ key: Buffer.from(pkcs8), format: "der", type: "pkcs8" }), t, data);
    expect(verifySignature(signatureScheme(t).oid, spki, data, sig)).toBe(true);
    expect(verifySignature(signatureScheme(t).oid, spki, Buffer.from("other"), sig)).toBe(false);
  });
});

describe("importPrivateKey", () => {
  let ec: { pkcs8Pem: string; spki: Buffer };
  let rsa: { pkcs8Pem: string; spki: Buffer };
  beforeAll(() => {
    ec = opensslKey("ec", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"]);
    rsa = opensslKey("rsa", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]);
  });

  const forms = [
    ["EC PKCS#8 PEM", () => readFile(ec.pkcs8Pem).toString("utf8"), () => ec, "ec-p384"],
    ["EC PKCS#8 DER", () => opensslToFile(["pkey", "-in", ec.pkcs8Pem, "-outform", "DER"]), () => ec, "ec-p384"],
    ["EC SEC 1 DER", () => opensslToFile(["ec", "-in", ec.pkcs8Pem, "-outform", "DER"]), () => ec, "ec-p384"],
    ["EC SEC 1 PEM (EC PRIVATE KEY)", () => opensslOk(["ec", "-in", ec.pkcs8Pem]), () => ec, "ec-p384"],
    ["EC SEC 1 PEM after EC PARAMETERS", () => opensslOk(["ecparam", "-name", "secp384r1"]) + opensslOk(["ec", "-in", ec.pkcs8Pem]), () => ec, "ec-p384"],
    ["RSA PKCS#8 PEM", () => readFile(rsa.pkcs8Pem).toString("utf8"), () => rsa, "rsa-2048"],
    ["RSA PKCS#1 PEM (RSA PRIVATE KEY)", () => opensslOk(["rsa", "-in", rsa.pkcs8Pem, "-traditional"]), () => rsa, "rsa-2048"],
    ["RSA PKCS#1 DER", () => opensslToFile(["rsa", "-in", rsa.pkcs8Pem, "-traditional", "-outform", "DER"]), () => rsa, "rsa-2048"],
  ] as const;

  it.each(forms)("%s → PKCS#8, right type and public key", async (_, input, src, type) => {
    const text = input();
    expect(text.length).toBeGreaterThan(0);
    const k = await importPrivateKey(typeof text === "string" ? text : new Uint8Array(text));
    if (typeof text !== "string") expect(text[0]).toBe(0x30); // really the DER path
    expect(k.keyType).toBe(type);
    expect(Buffer.from(k.spki).equals(src().spki)).toBe(true);
    // The normalised PKCS#8 is what OpenSSL calls PKCS#8 for the same key.
    expect(opensslOk(["asn1parse", "-inform", "DER"], k.pkcs8)).toMatch(/INTEGER\s+:00\n[^\n]+SEQUENCE/); // PKCS#8 v0 header
    const back = spkiDerOf(tmp.write(`back-${n++}.der`, k.pkcs8), "DER");
    expect(back.equals(src().spki)).toBe(true);
    expect(k.privateKey.type).toBe("private");
  });

  it("checks an expected key type", async () => {
    await expectInputError(() => importPrivateKey(readFile(ec.pkcs8Pem).toString(), "ec-p256"), "privateKey", /is ec-p384, but ec-p256 was expected/);
  });

  it.each([
    ["Ed25519", ["-algorithm", "ed25519"], /Ed25519/],
    ["P-521", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"], /ECDSA P-521/],
    ["RSA 1024", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"], /RSA 1024-bit/],
    ["RSA-PSS", ["-algorithm", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:2048"], /RSA-PSS/],
  ])("refuses %s keys, naming them", async (_, args, message) => {
    await expectInputError(() => importPrivateKey(opensslOk(["genpkey", ...args])), "privateKey", message);
  });

  it.each([
    ["empty", () => "", /empty/],
    ["garbage text", () => "hello", /no PEM block/],
    ["garbage DER", () => new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]), /neither PKCS#8, SEC 1/],
    ["truncated DER", () => new Uint8Array([0x30, 0x82, 0x01, 0x00, 0x02]), /not valid DER/],
    ["a certificate instead", () => "-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n", /expected a PEM block labelled PRIVATE KEY/],
    ["encrypted PKCS#8", () => opensslOk(["pkey", "-in", ec.pkcs8Pem, "-aes256", "-passout", "pass:secret"]), /encrypted/],
    ["encrypted traditional PEM", () => opensslOk(["ec", "-in", ec.pkcs8Pem, "-aes256", "-passout", "pass:secret"]), /encrypted/],
    ["a public key", () => opensslOk(["pkey", "-in", ec.pkcs8Pem, "-pubout"]), /expected a PEM block labelled PRIVATE KEY/],
    ["a PEM block with broken content", () => pemEncode("PRIVATE KEY", new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00])), /does not contain a valid key/],
  ])("refuses %s", async (_, input, message) => {
    await expectInputError(() => importPrivateKey(input()), "privateKey", message);
  });
});

describe("keyTypeOfSpki", () => {
  let ecPem: string;
  beforeAll(() => {
    ecPem = tmp.write("spki-ec.pem", opensslOk(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]));
  });

  it("matches spkiSha256Hex to OpenSSL's digest of the DER public key", () => {
    const spki = spkiDerOf(ecPem);
    const digest = opensslOk(["dgst", "-sha256", "-r"], spki).split(" ")[0];
    expect(spkiSha256Hex(spki)).toBe(digest);
    expect(keyTypeOfSpki(spki)).toBe("ec-p256");
  });

  it("refuses a compressed point", async () => {
    const out = tmp.path("compressed.der");
    opensslOk(["ec", "-in", ecPem, "-pubout", "-conv_form", "compressed", "-outform", "DER", "-out", out]);
    await expectInputError(() => keyTypeOfSpki(readFile(out)), "publicKey", /uncompressed/);
  });

  it("refuses explicit curve parameters", async () => {
    const out = tmp.path("explicit.der");
    opensslOk(["ec", "-in", ecPem, "-pubout", "-param_enc", "explicit", "-outform", "DER", "-out", out]);
    await expectInputError(() => keyTypeOfSpki(readFile(out)), "publicKey", /explicit curve parameters/);
  });

  it("refuses a point that is not on the curve (and OpenSSL agrees)", async () => {
    const spki = Buffer.from(spkiDerOf(ecPem));
    spki[spki.length - 1] ^= 1;
    await expectInputError(() => keyTypeOfSpki(spki), "publicKey", /not on P-256/);
    expect(openssl(["pkey", "-pubin", "-inform", "DER", "-noout"], spki).status).not.toBe(0);
  });

  it("refuses RSA without NULL parameters and truncated keys", async () => {
    const spki = spkiDerOf(tmp.write("r.pem", opensslOk(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"])));
    expect(keyTypeOfSpki(spki)).toBe("rsa-2048");
    await expectInputError(() => keyTypeOfSpki(spki.subarray(0, spki.length - 1)), "publicKey", /malformed/);
  });

  it("our on-curve check agrees with OpenSSL's (differential, random and real points)", async () => {
    const real = Buffer.from(spkiDerOf(ecPem));
    const header = real.subarray(0, real.length - 64);
    const opensslAccepts = (spki: Buffer) => {
      try {
        nodeCrypto.createPublicKey({ key: spki, format: "der", type: "spki" });
        return true;
      } catch {
        return false;
      }
    };
    const oursAccepts = (spki: Buffer) => {
      try {
        keyTypeOfSpki(spki);
        return true;
      } catch {
        return false;
      }
    };
    const samples = [real];
    for (let i = 0; i < 100; i++) samples.push(Buffer.concat([header, nodeCrypto.randomBytes(64)]));
    for (let i = 0; i < 20; i++) {
      const k = nodeCrypto.generateKeyPairSync("ec", { namedCurve: i % 2 ? "P-256" : "P-384" });
      samples.push(k.publicKey.export({ format: "der", type: "spki" }));
    }
    for (const s of samples) expect(oursAccepts(s)).toBe(opensslAccepts(s));
    expect(samples.filter(oursAccepts)).toHaveLength(21);
  });

  it("names unsupported keys", async () => {
    const ed = spkiDerOf(tmp.write("ed.pem", opensslOk(["genpkey", "-algorithm", "ed25519"])));
    await expectInputError(() => keyTypeOfSpki(ed, "csr"), "csr", /the key is Ed25519/);
  });
});

describe("toKeyObject", () => {
  it("refuses public keys and foreign objects", async () => {
    const pair = await generateKeyPair("ec-p256");
    await expectInputError(() => toKeyObject(pair.publicKey), "privateKey", /private key is required/);
    await expectInputError(() => toKeyObject({} as CryptoKey, "issuerKey"), "issuerKey", /CryptoKey, a KeyObject or PKCS#8/);
    await expectInputError(() => toKeyObject(new Uint8Array([1, 2])), "privateKey", /not a valid PKCS#8/);
    expect(toKeyObject(pair.privateKey).type).toBe("private");
  });
});

describe("privateKeyMatchesSpki", () => {
  it("true for the pair, false for another key", async () => {
    const a = await generateKeyPair("ec-p256");
    const b = await generateKeyPair("ec-p256");
    expect(privateKeyMatchesSpki(a.privateKey, await exportSpki(a.publicKey))).toBe(true);
    expect(privateKeyMatchesSpki(a.privateKey, await exportSpki(b.publicKey))).toBe(false);
    expect(privateKeyMatchesSpki(await exportPkcs8(a.privateKey), await exportSpki(a.publicKey))).toBe(true);
  });

  it("false for a SEC 1 file whose embedded public key belongs to another key", async () => {
    const a = nodeCrypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
    const b = nodeCrypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
    const scalar = Buffer.from(a.privateKey.export({ format: "jwk" }).d!, "base64url");
    const bSpki = b.publicKey.export({ format: "der", type: "spki" });
    const bPoint = bSpki.subarray(bSpki.length - 65);
    // ECPrivateKey { version 1, privateKey A, [0] prime256v1, [1] publicKey B }
    const forged = seq(integer(1), octetString(scalar), explicit(0, oid(OID.p256)), explicit(1, bitString(bPoint)));
    const key = nodeCrypto.createPrivateKey({ key: forged, format: "der", type: "sec1" });
    // OpenSSL takes the embedded public key at face value, so comparing public keys alone would say "match"…
    expect(nodeCrypto.createPublicKey(key).equals(b.publicKey)).toBe(true);
    // …and only the challenge signature exposes the forgery.
    expect(privateKeyMatchesSpki(key, new Uint8Array(bSpki))).toBe(false);
    await expectInputError(() => importPrivateKey(new Uint8Array(forged)), "privateKey", /inconsistent/);
  });
});
