import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseCertificate } from "../pki/certificate";
import { KEY_TYPES, importPrivateKey, spkiSha256Hex } from "../pki/keys";
import { signatureScheme } from "../pki/signature";
import { signRevocationInfo, verifyRevocationInfo } from "./info";
import { decodeSignedRevocationInfo, encodeRevocationInfo } from "./infoDer";

/**
 * docs/REVOCATION_INFO.md is normative for firmware writers. Its worked example is
 * re-verified here with the committed fixture CA, so the document cannot drift from
 * the code: change the encoding and this test fails until the document is updated.
 */

const root = path.resolve(__dirname, "../..");
const doc = fs.readFileSync(path.join(root, "docs/REVOCATION_INFO.md"), "utf8");
const fixtures = path.join(__dirname, "fixtures");
const caPem = fs.readFileSync(path.join(fixtures, "example-ca.crt.pem"), "utf8");

function block(name: string): string {
  const m = new RegExp(`<!-- BEGIN ${name} -->\\s*\`\`\`[a-z]*\\n([\\s\\S]*?)\`\`\`\\s*<!-- END ${name} -->`).exec(doc);
  if (!m) throw new Error(`block ${name} not found in the document`);
  return m[1];
}

const hexOf = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ""), "hex");

describe("docs/REVOCATION_INFO.md worked example", () => {
  const der = new Uint8Array(hexOf(block("example-der")));
  const json = JSON.parse(block("example-json"));

  it("shows the fixture CA certificate", () => {
    expect(block("example-ca").trim()).toBe(caPem.trim());
  });

  it("states the fixture CA's key hash", () => {
    const m = /<!-- example-key-sha256 -->`([0-9a-f]{64})`/.exec(doc);
    expect(m?.[1]).toBe(spkiSha256Hex(parseCertificate(caPem).spki));
  });

  it("the DER example verifies: issuer example-ca, RN 3, 143 bytes", () => {
    expect(der.length).toBe(143);
    expect(verifyRevocationInfo(der, caPem)).toMatchObject({ ok: true, form: "der", issuer: "example-ca", revocationNumber: 3n });
  });

  it("the JSON example verifies and carries the same tbs and signature as the DER", () => {
    expect(verifyRevocationInfo(json, caPem)).toMatchObject({ ok: true, form: "json", issuer: "example-ca", revocationNumber: 3n });
    const d = decodeSignedRevocationInfo(der);
    expect(Buffer.from(json.tbs, "base64").equals(Buffer.from(d.tbs))).toBe(true);
    expect(Buffer.from(json.signature, "base64").equals(Buffer.from(d.signature))).toBe(true);
  });

  it("the annotated offsets are right (signed bytes 3..56, signature from 72)", () => {
    const d = decodeSignedRevocationInfo(der);
    expect(Buffer.from(der.subarray(3, 57)).equals(Buffer.from(d.tbs))).toBe(true);
    expect(Buffer.from(der.subarray(72)).equals(Buffer.from(d.signature))).toBe(true);
    expect(Buffer.from(der.subarray(42, 54)).toString("hex")).toBe("0c0a6578616d706c652d6361");
    expect(Buffer.from(der.subarray(54, 57)).toString("hex")).toBe("020103");
    const tbs = encodeRevocationInfo({ issuerName: "example-ca", issuerKeySha256: Buffer.from(spkiSha256Hex(parseCertificate(caPem).spki), "hex"), revocationNumber: 3n });
    expect(tbs.equals(Buffer.from(d.tbs))).toBe(true);
  });

  it("lists the AlgorithmIdentifier bytes the code writes, for every key type", () => {
    const flat = doc.replace(/\s+/g, " ");
    for (const t of KEY_TYPES) {
      const hex = signatureScheme(t).algorithmIdentifier.toString("hex").replace(/(..)(?!$)/g, "$1 ");
      expect(flat, t).toContain(`\`${hex}\``);
    }
  });

  it("the committed fixture key signs statements that verify like the example", async () => {
    const key = await importPrivateKey(fs.readFileSync(path.join(fixtures, "example-ca.key.pem"), "utf8"));
    const s = signRevocationInfo({ issuerName: "example-ca", issuerCertDer: parseCertificate(caPem).der, privateKey: key.keyObject, keyType: "ec-p256", revocationNumber: 3n });
    // Same tbs byte for byte; the ECDSA signature differs (randomized) but verifies.
    expect(s.json.tbs).toBe(json.tbs);
    expect(verifyRevocationInfo(s.der, caPem)).toMatchObject({ ok: true, revocationNumber: 3n });
  });
});
