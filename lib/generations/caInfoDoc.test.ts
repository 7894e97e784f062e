import fs from "node:fs";
import nodeCrypto from "node:crypto";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../pki/fingerprint";
import { derFromUpload } from "../pki/pem";
import { signatureScheme } from "../pki/signature";
import { openssl, tempDir } from "../test/pki";
import { encodeCaInfo, parseCaInfo, signCaInfo, verifyCaInfo } from "./caInfo";

/**
 * docs/CA_INFORMATION.md is normative for firmware writers: its worked example is
 * re-verified here with the committed fixtures, so the document cannot drift from the code.
 */

const root = path.resolve(__dirname, "../..");
const doc = fs.readFileSync(path.join(root, "docs/CA_INFORMATION.md"), "utf8");
const caPem = fs.readFileSync(path.join(root, "lib/revocation-info/fixtures/example-ca.crt.pem"), "utf8");
const pubPem = fs.readFileSync(path.join(__dirname, "fixtures/example-distribution.pub.pem"), "utf8");
const keyPem = fs.readFileSync(path.join(__dirname, "fixtures/example-distribution.key.pem"), "utf8");
const spki = derFromUpload(pubPem, ["PUBLIC KEY"], "key");
const caDer = derFromUpload(caPem, ["CERTIFICATE"], "ca");

function block(name: string): string {
  const m = new RegExp(`<!-- BEGIN ${name} -->\\s*\`\`\`[a-z]*\\n([\\s\\S]*?)\`\`\`\\s*<!-- END ${name} -->`).exec(doc);
  if (!m) throw new Error(`block ${name} not found in the document`);
  return m[1];
}
const inline = (name: string) => new RegExp(`<!-- ${name} -->\`([0-9a-f]{64})\``).exec(doc)?.[1];

describe("docs/CA_INFORMATION.md worked example", () => {
  const der = new Uint8Array(Buffer.from(block("example-der").replace(/\s+/g, ""), "hex"));
  const json = block("example-json");

  it("shows the fixture distribution key and the fingerprints", () => {
    expect(block("example-distribution-key").trim()).toBe(pubPem.trim());
    expect(inline("example-distribution-key-sha256")).toBe(sha256Hex(spki));
    expect(inline("example-cert-sha256")).toBe(sha256Hex(caDer));
  });

  it("the DER example (618 bytes) and the JSON example verify and carry the same bytes", () => {
    expect(der.length).toBe(618);
    const d = parseCaInfo(der);
    const j = parseCaInfo(json);
    expect(d).toMatchObject({ lineage: "example", generation: 1, nextUrl: "https://ca-info.example.net/ca-info/2" });
    expect(verifyCaInfo(d, spki)).toBe(true);
    expect(verifyCaInfo(j, spki)).toBe(true);
    expect(Buffer.from(j.der).equals(Buffer.from(der))).toBe(true);
    expect(Buffer.from(d.caCertDer).equals(Buffer.from(caDer))).toBe(true);
  });

  it("the annotated offsets are right", () => {
    const d = parseCaInfo(der);
    const at = (a: number, b: number) => Buffer.from(der.subarray(a, b));
    expect(at(4, 532).equals(Buffer.from(d.tbs))).toBe(true);
    expect(at(11, 20).toString("hex")).toBe("0c076578616d706c65");
    expect(at(20, 23).toString("hex")).toBe("020101");
    expect(at(23, 493).equals(Buffer.from(caDer))).toBe(true);
    expect(at(493, 495).toString("hex")).toBe("1625");
    expect(at(532, 544).equals(signatureScheme("ec-p256").algorithmIdentifier)).toBe(true);
    expect(at(544, 547).toString("hex")).toBe("034800");
    expect(at(547, 618).equals(Buffer.from(d.signature))).toBe(true);
    expect(Buffer.from(d.tbs).equals(encodeCaInfo({ lineage: "example", generation: 1, caCertDer: caDer, nextUrl: "https://ca-info.example.net/ca-info/2" }))).toBe(true);
  });

  it("OpenSSL alone verifies the example as the document says", () => {
    const t = tempDir();
    const tbs = t.write("tbs.bin", der.subarray(4, 532));
    const sig = t.write("sig.bin", der.subarray(547));
    const pub = t.write("pub.pem", pubPem);
    const r = openssl(["dgst", "-sha256", "-verify", pub, "-signature", sig, tbs]);
    expect(r.stdout.trim()).toBe("Verified OK");
  });

  it("the committed key signs the same tbs again (new signature, verifies)", () => {
    const s = signCaInfo({ lineage: "example", generation: 1, caCertDer: caDer, nextUrl: "https://ca-info.example.net/ca-info/2" }, nodeCrypto.createPrivateKey(keyPem));
    expect(s.json.tbs).toBe(JSON.parse(json).tbs);
    expect(verifyCaInfo(parseCaInfo(s.der), spki)).toBe(true);
  });
});
