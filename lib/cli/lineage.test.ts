import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseCaInfo, verifyCaInfo } from "../generations/caInfo";
import { derFromUpload } from "../pki/pem";

/** `rootline lineage …` as the Contract of issue 10 says, with the real binary. */
function rootline(args: string[]) {
  const r = spawnSync(process.execPath, [path.resolve("bin/rootline.mjs"), ...args], { encoding: "buffer", env: process.env, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr.toString("utf8") };
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cli-lineage-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("rootline lineage (spawned)", async () => {
  const port = await freePort();
  const template = `https://127.0.0.1:${port}/ca-info/{n}`;

  it("create, next, show --json, distribution-key, ca-info [--der]", () => {
    const c = rootline(["lineage", "create", "--name", "L", "--key", "ec-p256", "--distribution-key", "ec-p384", "--ca-validity-days", "3650", "--lead-days", "365", "--download-url-template", template]);
    expect(c.code, c.err).toBe(0);
    expect(rootline(["lineage", "next", "--name", "L"]).code).toBe(0);
    const show = JSON.parse(rootline(["lineage", "show", "--name", "L", "--json"]).out.toString());
    expect(Object.keys(show)).toEqual(["name", "generations", "nextScheduledAt"]);
    expect(show.name).toBe("L");
    expect(show.generations.map((g: Record<string, unknown>) => [g.n, g.issuer, g.revoked, g.nextUrl])).toEqual([
      [1, "L-1", false, `https://127.0.0.1:${port}/ca-info/2`],
      [2, "L-2", false, `https://127.0.0.1:${port}/ca-info/3`],
    ]);
    expect(Object.keys(show.generations[0])).toEqual(["n", "issuer", "notAfter", "revoked", "nextUrl"]);
    expect(new Date(show.nextScheduledAt).getTime()).toBe(new Date(show.generations[1].notAfter).getTime() - 365 * 86_400_000);

    const pem = rootline(["lineage", "distribution-key", "--name", "L"]).out.toString();
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    const pemFile = path.join(dir, "dist.pem");
    fs.writeFileSync(pemFile, pem);
    expect(spawnSync("openssl", ["pkey", "-pubin", "-in", pemFile, "-noout", "-text"], { encoding: "utf8" }).stdout).toContain("NIST CURVE: P-384");
    const spki = derFromUpload(pem, ["PUBLIC KEY"], "key");

    const json = rootline(["lineage", "ca-info", "--name", "L", "--generation", "2"]).out.toString();
    const der = rootline(["lineage", "ca-info", "--name", "L", "--generation", "2", "--der"]).out;
    const a = parseCaInfo(json);
    const b = parseCaInfo(new Uint8Array(der));
    expect([a.form, b.form]).toEqual(["json", "der"]);
    expect(a).toMatchObject({ lineage: "L", generation: 2, algorithm: "ecdsa-with-SHA384" });
    expect(Buffer.from(a.der).equals(der)).toBe(true);
    expect(verifyCaInfo(b, spki)).toBe(true);

    const missing = rootline(["lineage", "ca-info", "--name", "L", "--generation", "7"]);
    expect(missing.code).not.toBe(0);
    expect(missing.err).toContain("generation");
  }, 180_000);

  it("serve-downloads serves CA information 2 over TLS until killed", async () => {
    const ca1 = path.join(dir, "ca1.pem");
    const ca = spawnSync(process.execPath, [path.resolve("bin/rootline.mjs"), "lineage", "ca-info", "--name", "L", "--generation", "1", "--der"], { env: process.env });
    const info1 = parseCaInfo(new Uint8Array(ca.stdout));
    fs.writeFileSync(ca1, `-----BEGIN CERTIFICATE-----\n${Buffer.from(info1.caCertDer).toString("base64")}\n-----END CERTIFICATE-----\n`);
    const child = spawn(process.execPath, [path.resolve("bin/rootline.mjs"), "lineage", "serve-downloads", "--name", "L", "--port", String(port)], { env: process.env, stdio: ["ignore", "pipe", "pipe"] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let buf = "";
        child.stdout.on("data", (d) => {
          buf += d;
          if (buf.includes("\n")) resolve(buf.split("\n")[0]);
        });
        child.on("exit", (code) => reject(new Error(`serve-downloads exited ${code}`)));
      });
      expect(JSON.parse(line)).toEqual({ url: `https://127.0.0.1:${port}`, serving: [2] });
      const r = spawnSync("curl", ["-sS", "--fail", "--cacert", ca1, `https://127.0.0.1:${port}/ca-info/2`], { encoding: "utf8", timeout: 10_000 });
      expect(r.status, r.stderr).toBe(0);
      expect(parseCaInfo(r.stdout)).toMatchObject({ generation: 2, lineage: "L" });
    } finally {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
  }, 120_000);
});
