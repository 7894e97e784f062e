import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { opensslCsr } from "../test/openssl";

/** The Contract lines of intermediate CAs, public URLs and chains, through the real binary. */
function rootline(args: string[]) {
  const r = spawnSync(process.execPath, [path.resolve("bin/rootline.mjs"), ...args], { encoding: "utf8", env: process.env, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const ossl = (args: string[], input?: string) => spawnSync("openssl", args, { input, encoding: "utf8" });

describe("rootline issuer create --parent, issuer set --public-url, cert chain", () => {
  it("builds root → intermediate → leaf and prints the chain OpenSSL verifies", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cli-chain-"));
    expect(rootline(["issuer", "create", "--name", "cli-root", "--key", "ec-p256", "--public-url", "https://pki.example"]).code).toBe(0);
    const inter = rootline(["issuer", "create", "--name", "cli-int", "--key", "ec-p256", "--parent", "cli-root", "--path-length", "0", "--permitted-dns", "iot.example", "lab.example", "--validity-days", "365"]);
    expect(inter.err).toBe("");
    expect(JSON.parse(inter.out)).toMatchObject({ name: "cli-int", parent: "cli-root", publicUrl: "https://pki.example" });
    const set = rootline(["issuer", "set", "--name", "cli-int", "--public-url", "http://repo.example/"]);
    expect(JSON.parse(set.out)).toEqual({ name: "cli-int", publicUrl: "http://repo.example" });

    fs.writeFileSync(path.join(dir, "a.csr"), opensslCsr("/CN=a.iot.example").csr);
    const leaf = rootline(["cert", "issue", "--issuer", "cli-int", "--csr", path.join(dir, "a.csr"), "--san", "DNS:a.iot.example"]);
    expect(leaf.code).toBe(0);
    const leafText = ossl(["x509", "-noout", "-text"], leaf.out).stdout;
    expect(leafText).toContain("URI:http://repo.example/api/repository/cli-int/crl");
    expect(leafText).toContain("CA Issuers - URI:http://repo.example/api/repository/cli-int/ca.crt");

    const chain = rootline(["cert", "chain", "--issuer", "cli-int", "--serial", "1"]);
    expect(chain.code).toBe(0);
    const pems = chain.out.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----\n/g)!;
    expect(pems).toHaveLength(3);
    expect(pems[0]).toBe(leaf.out);
    const f = (n: string, s: string) => (fs.writeFileSync(path.join(dir, n), s), path.join(dir, n));
    const v = ossl(["verify", "-CAfile", f("root.pem", pems[2]), "-untrusted", f("int.pem", pems[1]), f("leaf.pem", pems[0])]);
    expect(v.stdout).toMatch(/leaf.pem: OK/);

    // Outside the permitted names: refused, the field named, exit code of an input error.
    fs.writeFileSync(path.join(dir, "b.csr"), opensslCsr("/CN=b.other.example").csr);
    const bad = rootline(["cert", "issue", "--issuer", "cli-int", "--csr", path.join(dir, "b.csr"), "--san", "DNS:b.other.example"]);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/san.*outside the names the CA "cli-int" may certify/);
    const deeper = rootline(["issuer", "create", "--name", "cli-deep", "--key", "ec-p256", "--parent", "cli-int"]);
    expect(deeper.code).not.toBe(0);
    expect(deeper.err).toMatch(/path length 0/);
  }, 120_000);
});
