import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { listEabKeys } from "../acme/eab";
import { acmePolicyOf } from "../acme/policy";
import { createIssuer } from "../issuers/service";

/** The contract's `rootline acme …` commands, spawned (each run pays tsx start-up: keep them few). */
function rootline(args: string[]) {
  const r = spawnSync(process.execPath, [path.resolve("bin/rootline.mjs"), ...args], { encoding: "utf8", env: process.env, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("rootline acme (spawned)", () => {
  it("sets the policy, refuses a bad one naming the field, creates an EAB key shown once, revokes it", async () => {
    await createIssuer({ kind: "cli", name: "t", role: "administrator" }, { name: "acme-cli", keyType: "ec-p256" });
    const set = rootline(["acme", "policy", "--issuer", "acme-cli", "--allow-dns", "rootline.test", "example.org", "--allow-ip", "10.0.0.0/8", "--require-eab"]);
    expect(set.err).toBe("");
    expect(JSON.parse(set.out)).toEqual({ issuer: "acme-cli", enabled: true, allowDns: ["rootline.test", "example.org"], allowIp: ["10.0.0.0/8"], profile: "server", requireEab: true, directory: "/acme/acme-cli/directory" });

    const bad = rootline(["acme", "policy", "--issuer", "acme-cli", "--allow-dns", "*.rootline.test"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^rootline: allowDns: .*wildcard/);
    expect((await acmePolicyOf("acme-cli")).allowDns).toEqual(["rootline.test", "example.org"]); // unchanged

    const created = rootline(["acme", "eab", "create", "--issuer", "acme-cli", "--label", "web-01"]);
    expect(created.code).toBe(0);
    const k = JSON.parse(created.out);
    expect(k).toMatchObject({ issuer: "acme-cli", keyId: expect.stringMatching(/^eab_/), hmacKey: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), label: "web-01" });
    expect(k.certbot).toBe(`--eab-kid ${k.keyId} --eab-hmac-key ${k.hmacKey}`);

    expect(rootline(["acme", "eab", "revoke", "--kid", k.keyId]).code).toBe(0);
    expect(await listEabKeys("acme-cli")).toEqual([expect.objectContaining({ keyId: k.keyId, label: "web-01", status: "revoked" })]);
  }, 60_000);
});
