import { beforeAll, describe, expect, it } from "vitest";
import { createIssuerSigner } from "./issue";
import { exportPkcs8, exportSpki, generateKeyPair, type KeyType } from "./keys";
import { buildPkcs12 } from "./pkcs12";
import { DAY, expectInputError, makeCa, openssl, opensslOk, tempDir } from "../test/pki";

const tmp = tempDir();
let n = 0;

async function leafWithKey(keyType: KeyType) {
  const ca = await makeCa("ec-p256");
  const keys = await generateKeyPair(keyType);
  const now = Date.now();
  const certDer = createIssuerSigner({ certDer: ca.certDer, privateKey: ca.keyPair.privateKey }).issue({
    subject: "CN=device-9.example, O=Acme",
    subjectPublicKeySpki: await exportSpki(keys.publicKey),
    serial: 99n,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + DAY),
    profile: "client",
    sans: ["DNS:device-9.example"],
  });
  return { ca, certDer, pkcs8: await exportPkcs8(keys.privateKey), spki: await exportSpki(keys.publicKey) };
}

/** openssl pkcs12 -info on a file; OpenSSL 3 needs no legacy provider for what we write. */
const info = (p12: Uint8Array, pass: string) => openssl(["pkcs12", "-info", "-nodes", "-in", tmp.write(`p${n++}.p12`, p12), "-passin", `pass:${pass}`]);

describe.each(["ec-p256", "rsa-2048"] as KeyType[])("PKCS#12 with an %s key", (kt) => {
  let f: Awaited<ReturnType<typeof leafWithKey>>;
  beforeAll(async () => {
    f = await leafWithKey(kt);
  });

  it("OpenSSL opens it with the password: modern algorithms, key matches certificate, chain included", () => {
    const p12 = buildPkcs12({ certDer: f.certDer, chainDers: [f.ca.certDer], privateKeyPkcs8: f.pkcs8, password: "s3cret pass", friendlyName: "device-9" });
    const r = info(p12, "s3cret pass");
    expect(r.status, r.stderr).toBe(0);
    const all = r.stdout + r.stderr;
    expect(all).toMatch(/MAC: sha256, Iteration 10000/);
    expect(all).toMatch(/Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 10000, PRF hmacWithSHA256/);
    expect(all).toMatch(/PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration 10000, PRF hmacWithSHA256/);
    expect(all).toMatch(/friendlyName: device-9/);
    expect((r.stdout.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length).toBe(2);
    expect(r.stdout).toMatch(/subject=O = Acme, CN = device-9.example/);
    expect(r.stdout).toMatch(/-----BEGIN PRIVATE KEY-----/);

    // The key OpenSSL extracted is the certificate's key: compare public keys.
    const keyPem = r.stdout.slice(r.stdout.indexOf("-----BEGIN PRIVATE KEY-----"), r.stdout.indexOf("-----END PRIVATE KEY-----") + 25);
    const spkiFile = tmp.path(`spki${n++}.der`);
    opensslOk(["pkey", "-in", tmp.write(`key${n++}.pem`, keyPem), "-pubout", "-outform", "DER", "-out", spkiFile]);
    const certPub = tmp.path(`cpub${n++}.der`);
    opensslOk(["x509", "-inform", "DER", "-in", tmp.write(`c${n++}.der`, f.certDer), "-pubkey", "-noout", "-out", tmp.path("cp.pem")]);
    opensslOk(["pkey", "-pubin", "-in", tmp.path("cp.pem"), "-outform", "DER", "-out", certPub]);
    expect(opensslOk(["dgst", "-sha256", "-r", spkiFile]).split(" ")[0]).toBe(opensslOk(["dgst", "-sha256", "-r", certPub]).split(" ")[0]);
    // localKeyID ties key and certificate together (same value on both bags).
    const ids = [...all.matchAll(/localKeyID: ([0-9A-F ]+)/g)].map((m) => m[1].trim());
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(ids[1]);
  });

  it("a wrong password fails (MAC check)", () => {
    const p12 = buildPkcs12({ certDer: f.certDer, privateKeyPkcs8: f.pkcs8, password: "right" });
    const r = info(p12, "wrong");
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/Mac verify error: invalid password\?/);
  });
});

describe("buildPkcs12 details", () => {
  let f: Awaited<ReturnType<typeof leafWithKey>>;
  beforeAll(async () => {
    f = await leafWithKey("ec-p256");
  });

  it("a non-ASCII password works with OpenSSL (UTF-8 for PBES2, BMPString for the MAC)", () => {
    const p12 = buildPkcs12({ certDer: f.certDer, privateKeyPkcs8: f.pkcs8, password: "pässwörd-東京" });
    const r = info(p12, "pässwörd-東京");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/BEGIN PRIVATE KEY/);
  });

  it("iterations are configurable and at least 2048", async () => {
    const p12 = buildPkcs12({ certDer: f.certDer, privateKeyPkcs8: f.pkcs8, password: "x", iterations: 2048 });
    expect(info(p12, "x").stderr).toMatch(/MAC: sha256, Iteration 2048/);
    await expectInputError(() => buildPkcs12({ certDer: f.certDer, privateKeyPkcs8: f.pkcs8, password: "x", iterations: 1000 }), "iterations", /at least 2048/);
  });

  it.each([
    ["an empty password", { password: "" }, "password", /required/],
    ["a key that is not the certificate's", { privateKeyPkcs8: "other" }, "privateKey", /does not belong/],
    ["a broken certificate", { certDer: new Uint8Array([0x30, 0x00]) }, "certificate", /malformed/],
    ["a broken chain certificate", { chainDers: [new Uint8Array([1])] }, "chain", /malformed/],
    ["a broken key", { privateKeyPkcs8: new Uint8Array([0x30, 0x00]) }, "privateKey", /not a valid PKCS#8/],
    ["a friendly name with control characters", { friendlyName: "a\nb" }, "friendlyName", /printable/],
  ])("refuses %s", async (_, over, field, message) => {
    const other = await exportPkcs8((await generateKeyPair("ec-p256")).privateKey);
    const o = { certDer: f.certDer, privateKeyPkcs8: f.pkcs8, password: "pw", ...over } as Parameters<typeof buildPkcs12>[0];
    if ((over as { privateKeyPkcs8?: unknown }).privateKeyPkcs8 === "other") o.privateKeyPkcs8 = other;
    await expectInputError(() => buildPkcs12(o), field, message);
  });
});
