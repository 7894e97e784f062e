import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { db } from "../db";
import { pemEncode } from "../pki/pem";
import { opensslCsr } from "../test/openssl";
import { openssl, tempDir } from "../test/pki";
import { initTestToken, softhsmMissing } from "../test/softhsm";

/** Issue 14's Contract line, run for real: the spawned CLI with the ROOTLINE_PKCS11_* variables. */
const missing = softhsmMissing();
if (missing) console.warn(missing);
const tmp = tempDir();

describe.skipIf(!!missing)("rootline issuer create --key-storage pkcs11 (spawned, SoftHSM2)", () => {
  const token = missing ? null : initTestToken("rootline-cli", "246810");
  const rootline = (args: string[], env: Record<string, string> = {}) => {
    const r = spawnSync(process.execPath, [path.resolve("bin/rootline.mjs"), ...args], { encoding: "utf8", env: { ...process.env, ...token!.env, ...env }, timeout: 60_000 });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  it("creates the CA key in the token, lists it as pkcs11, issues a certificate OpenSSL verifies; a wrong PIN is refused by name", async () => {
    const created = rootline(["issuer", "create", "--name", "hsm-cli", "--key", "ec-p256", "--key-storage", "pkcs11"]);
    expect(created.err).toBe("");
    expect(created.code).toBe(0);
    expect(JSON.parse(created.out)).toMatchObject({ name: "hsm-cli", keyType: "ec-p256", keyStorage: "pkcs11" });
    expect(rootline(["issuer", "create", "--name", "soft-cli", "--key", "ec-p256"]).code).toBe(0);

    const list = JSON.parse(rootline(["issuer", "list", "--json"]).out) as { name: string; keyStorage: string }[];
    expect(list.find((i) => i.name === "hsm-cli")).toMatchObject({ keyStorage: "pkcs11" });
    expect(list.find((i) => i.name === "soft-cli")).toMatchObject({ keyStorage: "software" });
    expect((await db().issuer.findUniqueOrThrow({ where: { name: "hsm-cli" } })).sealedKey.length).toBe(0);

    const csr = tmp.write("a.csr", opensslCsr("/CN=a.example").csr);
    const issued = rootline(["cert", "issue", "--issuer", "hsm-cli", "--csr", csr, "--san", "DNS:a.example"]);
    expect(issued.code).toBe(0);
    const ca = tmp.write("ca.pem", pemEncode("CERTIFICATE", (await db().issuer.findUniqueOrThrow({ where: { name: "hsm-cli" } })).certificateDer));
    expect(openssl(["verify", "-CAfile", ca, tmp.write("leaf.pem", issued.out)]).stdout).toMatch(/leaf.pem: OK/);

    const wrong = rootline(["issuer", "create", "--name", "hsm-bad", "--key", "ec-p256", "--key-storage", "pkcs11"], { ROOTLINE_PKCS11_PIN: "000000" });
    expect(wrong.code).toBe(2);
    expect(wrong.err).toMatch(/^rootline: keyStorage: ROOTLINE_PKCS11_PIN: the token "rootline-cli" refused the PIN/);
    expect(await db().issuer.count({ where: { name: "hsm-bad" } })).toBe(0);
  });
});
