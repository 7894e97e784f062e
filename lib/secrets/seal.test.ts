import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { masterKeys, parseMasterKey, resetMasterKeysForTests } from "./masterKey";
import { isCurrentSeal, seal, unseal } from "./seal";

const env = { ...process.env };
afterEach(() => {
  process.env = { ...env };
  resetMasterKeysForTests();
});

describe("sealing private keys at rest (AES-256-GCM)", () => {
  it("round-trips and never stores the plaintext", () => {
    const secret = crypto.randomBytes(200);
    const blob = seal(secret, "p", "row:1");
    expect(Buffer.from(blob).includes(secret.subarray(0, 16))).toBe(false);
    expect(unseal(blob, "p", "row:1").equals(secret)).toBe(true);
  });

  it.each([
    ["a flipped ciphertext bit", (b: Uint8Array) => { b[b.length - 1] ^= 1; }],
    ["a flipped tag bit", (b: Uint8Array) => { b[25] ^= 1; }],
    ["a flipped IV bit", (b: Uint8Array) => { b[10] ^= 1; }],
  ])("rejects %s", (_n, tamper) => {
    const blob = seal(Buffer.from("secret key"), "p", "row:1");
    tamper(blob);
    expect(() => unseal(blob, "p", "row:1")).toThrow(/tampered/);
  });

  it("binds the purpose: an issuer key blob cannot be opened as a certificate key", () => {
    const blob = seal(Buffer.from("k"), "rootline:issuer-private-key", "row:1");
    expect(() => unseal(blob, "rootline:certificate-private-key", "row:1")).toThrow();
  });

  it("binds the row: a blob copied to another row does not open there", () => {
    const blob = seal(Buffer.from("k"), "p", "issuer:a");
    expect(unseal(blob, "p", "issuer:a").toString()).toBe("k");
    expect(() => unseal(blob, "p", "issuer:b")).toThrow(/another row/);
  });

  it("still opens version-1 blobs (purpose only), which rotation re-seals", () => {
    const key = masterKeys().current;
    const iv = crypto.randomBytes(12);
    const c = crypto.createCipheriv("aes-256-gcm", key.key, iv);
    c.setAAD(Buffer.from("p"));
    const ct = Buffer.concat([c.update("old"), c.final()]);
    const v1 = new Uint8Array(Buffer.concat([Buffer.from([1]), key.id, iv, c.getAuthTag(), ct]));
    expect(unseal(v1, "p", "any row").toString()).toBe("old");
    expect(isCurrentSeal(v1)).toBe(false);
    expect(isCurrentSeal(seal(Buffer.from("new"), "p", "row:1"))).toBe(true);
  });

  it("opens blobs of the previous key during a rotation, and only then", () => {
    const oldKey = crypto.randomBytes(32).toString("base64");
    process.env.ROOTLINE_MASTER_KEY = oldKey;
    resetMasterKeysForTests();
    const blob = seal(Buffer.from("k"), "p", "row:1");
    process.env.ROOTLINE_MASTER_KEY = crypto.randomBytes(32).toString("hex");
    resetMasterKeysForTests();
    expect(() => unseal(blob, "p", "row:1")).toThrow(/not loaded/);
    process.env.ROOTLINE_PREVIOUS_MASTER_KEY = oldKey;
    resetMasterKeysForTests();
    expect(unseal(blob, "p", "row:1").toString()).toBe("k");
  });

  it("creates the key file with mode 0600 when no key is configured, and reuses it", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mk-"));
    delete process.env.ROOTLINE_MASTER_KEY;
    process.env.ROOTLINE_DATA_DIR = dir;
    resetMasterKeysForTests();
    const k1 = masterKeys().current;
    const file = path.join(dir, "master.key");
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    resetMasterKeysForTests();
    expect(masterKeys().current.id.equals(k1.id)).toBe(true);
  });

  it.each(["", "short", "z".repeat(64), Buffer.alloc(16).toString("base64")])("refuses a malformed master key %j", (v) => {
    expect(() => parseMasterKey(v, "ROOTLINE_MASTER_KEY")).toThrow(/32 bytes/);
  });
});
