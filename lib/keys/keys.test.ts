import { describe, expect, it } from "vitest";
import { createCaCertificate, createIssuerSigner } from "../pki/issue";
import { pemEncode } from "../pki/pem";
import { openssl, tempDir } from "../test/pki";
import { pkcs11Config, pkcs11Configured } from "./config";
import { parseKeyStorage } from "./index";
import { softwareKeys } from "./software";

/** Without a token: the settings' errors, and the asynchronous signing path lib/pki offers external keys. */
const tmp = tempDir();

describe("key storage", () => {
  it("parses the choice: software by default, pkcs11, nothing else", () => {
    expect(parseKeyStorage(undefined)).toBe("software");
    expect(parseKeyStorage("")).toBe("software");
    expect(parseKeyStorage("pkcs11")).toBe("pkcs11");
    expect(() => parseKeyStorage("tpm")).toThrow(expect.objectContaining({ field: "keyStorage", message: expect.stringMatching(/software, pkcs11/) }));
  });

  it("names the variable that is missing or wrong", () => {
    const lib = tmp.write("module.so", "");
    const err = (env: Record<string, string>) => {
      try {
        pkcs11Config(env);
      } catch (e) {
        return (e as Error).message;
      }
      return "no error";
    };
    expect(pkcs11Configured({})).toBe(false);
    expect(err({})).toMatch(/set ROOTLINE_PKCS11_LIBRARY/);
    expect(err({ ROOTLINE_PKCS11_LIBRARY: "/no/such.so" })).toMatch(/^ROOTLINE_PKCS11_LIBRARY: \/no\/such.so does not exist/);
    expect(err({ ROOTLINE_PKCS11_LIBRARY: lib })).toMatch(/^ROOTLINE_PKCS11_TOKEN_LABEL is not set/);
    expect(err({ ROOTLINE_PKCS11_LIBRARY: lib, ROOTLINE_PKCS11_TOKEN_LABEL: "t" })).toMatch(/ROOTLINE_PKCS11_PIN or ROOTLINE_PKCS11_PIN_FILE/);
    expect(err({ ROOTLINE_PKCS11_LIBRARY: lib, ROOTLINE_PKCS11_TOKEN_LABEL: "t", ROOTLINE_PKCS11_PIN_FILE: "/no/pin" })).toMatch(/^ROOTLINE_PKCS11_PIN_FILE: \/no\/pin cannot be read \(ENOENT\)/);
    expect(err({ ROOTLINE_PKCS11_LIBRARY: lib, ROOTLINE_PKCS11_TOKEN_LABEL: "t", ROOTLINE_PKCS11_PIN_FILE: tmp.write("empty", "\n") })).toMatch(/is empty/);
    expect(pkcs11Config({ ROOTLINE_PKCS11_LIBRARY: lib, ROOTLINE_PKCS11_TOKEN_LABEL: "t", ROOTLINE_PKCS11_PIN_FILE: tmp.write("pin", "12 34\n") })).toMatchObject({ pin: "12 34", pinVariable: "ROOTLINE_PKCS11_PIN_FILE" });
  });

  it("an external key signs a CA certificate and certificates asynchronously only; OpenSSL verifies them", async () => {
    const g = await softwareKeys.generate("ec-p384", "ext");
    const now = Date.now();
    const caDer = await createCaCertificate({ subject: "CN=External CA", externalKey: { sign: (d) => g.key.sign(d), spki: g.spki, keyType: "ec-p384" }, notBefore: new Date(now - 60_000), notAfter: new Date(now + 86_400_000), serial: 5n });
    const signer = createIssuerSigner({ certDer: caDer, externalKey: g.key });
    expect(signer.external).toBe(true);
    const tpl = { subject: "CN=leaf.example", subjectPublicKeySpki: g.spki, serial: 6n, notBefore: new Date(now - 60_000), notAfter: new Date(now + 3_600_000), profile: "server" as const, sans: ["DNS:leaf.example"] };
    expect(() => signer.issue(tpl)).toThrow(/signs asynchronously/);
    const leaf = await signer.issueAsync(tpl);
    const r = openssl(["verify", "-CAfile", tmp.write("ca.pem", pemEncode("CERTIFICATE", caDer)), tmp.write("leaf.pem", pemEncode("CERTIFICATE", leaf))]);
    expect(r.stdout).toMatch(/leaf.pem: OK/);
  });
});
