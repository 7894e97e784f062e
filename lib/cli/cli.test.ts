import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { db } from "../db";
import { dropAuditTriggers } from "../test/audit";
import { opensslCsr } from "../test/openssl";

/**
 * The real binary (bin/rootline.mjs → tsx → lib/cli/main.ts) against the test database,
 * for the contracts other people script against: output shape, stderr, exit codes.
 */
function rootline(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [path.resolve("bin/rootline.mjs"), ...args], { input, encoding: "utf8", env: process.env, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("rootline CLI (spawned)", () => {
  it("prints help without touching the database", () => {
    const r = rootline(["--help"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("issuer");
    expect(r.out).toContain("revocation");
  });

  it("creates an issuer, issues, revokes and reports the revocation status as the contract says", () => {
    expect(rootline(["issuer", "create", "--name", "cli-ca", "--key", "ec-p256", "--subject", "CN=CLI CA, O=Acme"]).code).toBe(0);
    const list = JSON.parse(rootline(["issuer", "list", "--json"]).out);
    expect(list[0]).toMatchObject({ name: "cli-ca", keyType: "ec-p256", revocationNumber: 0 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cli-"));
    for (const n of ["a", "b"]) {
      fs.writeFileSync(path.join(dir, `${n}.csr`), opensslCsr(`/CN=${n}.example`).csr);
      const pem = rootline(["cert", "issue", "--issuer", "cli-ca", "--csr", path.join(dir, `${n}.csr`), "--san", `DNS:${n}.example`]);
      expect(pem.code).toBe(0);
      expect(pem.out).toMatch(/^-----BEGIN CERTIFICATE-----/);
    }
    expect(JSON.parse(rootline(["cert", "list", "--issuer", "cli-ca", "--json"]).out).map((c: { serial: number }) => c.serial)).toEqual([1, 2]);
    const revoke = rootline(["cert", "revoke", "--issuer", "cli-ca", "--serial", "2", "--reason", "keyCompromise", "--order", "renew-first"]);
    expect(revoke.code).toBe(0);
    expect(JSON.parse(rootline(["revocation", "status", "--issuer", "cli-ca", "--json"]).out)).toMatchObject({ issuer: "cli-ca", revocationNumber: 0, pending: [{ serial: 2, awaiting: [1, 2] }] });
    const blocked = rootline(["revocation", "complete", "--issuer", "cli-ca", "--serial", "2"]);
    expect(blocked.code).not.toBe(0);
    expect(blocked.err).toContain("still awaiting");
    fs.writeFileSync(path.join(dir, "a2.csr"), opensslCsr("/CN=a.example").csr);
    expect(rootline(["cert", "renew", "--issuer", "cli-ca", "--serial", "1", "--csr", path.join(dir, "a2.csr")]).out).toContain("BEGIN CERTIFICATE");
    expect(JSON.parse(rootline(["revocation", "complete", "--issuer", "cli-ca", "--serial", "2", "--force"]).out)).toMatchObject({ revocationNumber: 3, forced: true });
    expect(JSON.parse(rootline(["revocation", "status", "--issuer", "cli-ca", "--json"]).out)).toMatchObject({ revocationNumber: 3, pending: [] });
  }, 120_000); // twelve spawned CLI runs: each pays tsx start-up, slow on a loaded 2-core machine

  it("cert issue --profile proxy: a certificate for the CA proxy, client and server EKU, no SAN needed", () => {
    expect(rootline(["issuer", "create", "--name", "proxy-cli-ca", "--key", "ec-p256", "--subject", "CN=Proxy CLI CA"]).code).toBe(0);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cli-proxy-"));
    fs.writeFileSync(path.join(dir, "p.csr"), opensslCsr("/CN=site-proxy").csr);
    const r = rootline(["cert", "issue", "--issuer", "proxy-cli-ca", "--csr", path.join(dir, "p.csr"), "--profile", "proxy"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const text = spawnSync("openssl", ["x509", "-noout", "-text", "-purpose"], { input: r.out, encoding: "utf8" }).stdout;
    expect(text).toMatch(/Extended Key Usage: \n\s+TLS Web Client Authentication, TLS Web Server Authentication\n/);
    expect(text).toMatch(/SSL client : Yes/);
    expect(text).toMatch(/SSL server : Yes/);
    expect(text).not.toMatch(/Subject Alternative Name/);
    expect(JSON.parse(rootline(["cert", "list", "--issuer", "proxy-cli-ca", "--json"]).out)[0]).toMatchObject({ subject: "CN=site-proxy", profile: "proxy" });
  }, 60_000);

  it.each([
    [["issuer", "create", "--name", "x", "--key", "dsa"], "keyType"],
    [["cert", "issue", "--issuer", "nope", "--csr", "/etc/hostname"], "csr"],
    [["cert", "revoke", "--issuer", "cli-ca", "--serial", "abc", "--reason", "keyCompromise", "--order", "renew-first"], "serial"],
    [["revocation", "status", "--issuer", "nope", "--json"], "issuer"],
    [["user", "create", "--email", "a@b.co", "--role", "operator"], "password"],
  ])("bad input %j: exit 2, the field named on stderr, nothing on stdout", (args, field) => {
    const r = rootline(args as string[], "");
    expect(r.code).toBe(2);
    expect(r.err).toContain(`rootline: ${field}:`);
    expect(r.out).toBe("");
  });

  it("verifies the audit chain, and exits 1 naming the entry after tampering", async () => {
    expect(JSON.parse(rootline(["audit", "verify"]).out)).toMatchObject({ ok: true });
    // The database refuses the update otherwise; whoever owns the file (or the PostgreSQL role) can do this.
    await dropAuditTriggers();
    await db().$executeRawUnsafe(`UPDATE "AuditEvent" SET actor = 'cli:mallory' WHERE seq = 2`);
    const r = rootline(["audit", "verify"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ ok: false, seq: 2 });
  });
});
