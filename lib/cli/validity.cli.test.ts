import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openssl, opensslCsr } from "../test/openssl";

function rootline(args: string[]) {
  const r = spawnSync(process.execPath, [path.resolve("bin/rootline.mjs"), ...args], { encoding: "utf8", env: process.env, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("rootline cert issue --validity-days", () => {
  it("sets the per-certificate validity, and refuses one above the issuer's maximum naming validityDays", () => {
    expect(rootline(["issuer", "create", "--name", "val-ca", "--key", "ec-p256", "--cert-validity-days", "90"]).code).toBe(0);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cli-val-"));
    const csr = path.join(dir, "a.csr");
    fs.writeFileSync(csr, opensslCsr("/CN=a.example").csr);
    const ok = rootline(["cert", "issue", "--issuer", "val-ca", "--csr", csr, "--san", "DNS:a.example", "--validity-days", "30"]);
    expect(ok.err).toBe("");
    expect(ok.code).toBe(0);
    const dates = openssl(["x509", "-noout", "-startdate", "-enddate"], ok.out).stdout;
    const [nb, na] = [...dates.matchAll(/=(.+)/g)].map((m) => Date.parse(m[1]));
    expect((na - nb) / 86_400_000).toBe(30);
    const refused = rootline(["cert", "issue", "--issuer", "val-ca", "--csr", csr, "--san", "DNS:a.example", "--validity-days", "91"]);
    expect(refused.code).toBe(2);
    expect(refused.out).toBe("");
    expect(refused.err).toContain("rootline: validityDays: at most 90 days");
  }, 120_000);
});
