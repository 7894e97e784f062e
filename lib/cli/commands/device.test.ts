import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { register } from "./device";
import { CliExit } from "../io";
import { InputError } from "../../errors";
import { pemEncode } from "../../pki/pem";
import { signRevocationInfo } from "../../revocation-info/info";
import { deviceCheck, deviceFetch, deviceTrust } from "./deviceRun";
import { deadPort, issueLeaf, makeCa, startHttpServer, startTlsServer, type RunningServer, type TestCa } from "../../test/device";

let ca: TestCa;
let dir: string;
let caFile: string;
let body: Uint8Array = new Uint8Array(0);
let repo: RunningServer & { url: string };

beforeAll(async () => {
  ca = await makeCa("CN=CLI CA");
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "rootline-cli-"));
  caFile = path.join(dir, "ca.pem");
  fs.writeFileSync(caFile, pemEncode("CERTIFICATE", ca.certDer));
  repo = await startHttpServer((_q, r) => r.writeHead(200).end(body));
});
afterAll(() => repo.close());

const info = (rn: bigint) => signRevocationInfo({ issuerName: "cli-ca", issuerCertDer: ca.certDer, privateKey: ca.keyPkcs8, revocationNumber: rn }).der;

function flipNearEnd(der: Uint8Array): Uint8Array {
  const t = new Uint8Array(der);
  t[t.length - 3] ^= 0x01; // inside the signature value
  return t;
}

async function freshState(): Promise<string> {
  const file = path.join(fs.mkdtempSync(path.join(dir, "s-")), "device.json");
  await deviceTrust({ ca: caFile, state: file });
  return file;
}

describe("device trust", () => {
  it("creates the state, prints one JSON line, and is idempotent", async () => {
    const file = path.join(dir, "trust.json");
    const first = await deviceTrust({ ca: caFile, state: file, issuer: "cli-ca" });
    expect(first.exitCode).toBe(0);
    expect(first.stdout.trim().split("\n")).toHaveLength(1);
    expect(JSON.parse(first.stdout)).toMatchObject({ result: "added", subject: "CN=CLI CA", issuer: "cli-ca", revocationNumber: 0 });
    fs.writeFileSync(path.join(dir, "ca.der"), ca.certDer);
    expect(JSON.parse((await deviceTrust({ ca: path.join(dir, "ca.der"), state: file })).stdout)).toMatchObject({ result: "unchanged" });
  });

  it("refuses a missing file or a leaf certificate as bad input", async () => {
    await expect(deviceTrust({ ca: path.join(dir, "nope.pem"), state: path.join(dir, "t2.json") })).rejects.toThrow(InputError);
    const leafFile = path.join(dir, "leaf.pem");
    fs.writeFileSync(leafFile, pemEncode("CERTIFICATE", (await issueLeaf(ca, 3n)).certDer));
    await expect(deviceTrust({ ca: leafFile, state: path.join(dir, "t3.json") })).rejects.toThrow(/not a CA/);
  });
});

describe("device fetch", () => {
  it.each<[string, () => Uint8Array, string, number]>([
    ["updated → exit 0", () => info(7n), "updated", 0],
    ["a tampered signature → exit 1", () => flipNearEnd(info(7n)), "bad-signature", 1],
    ["garbage → exit 1", () => new Uint8Array(Buffer.from("oops")), "malformed", 1],
  ])("%s", async (_n, make, result, code) => {
    body = make();
    const file = await freshState();
    const r = await deviceFetch({ repository: repo.url, issuer: "cli-ca", state: file });
    expect(r.exitCode).toBe(code);
    expect(r.stdout.endsWith("\n") && r.stdout.trim().split("\n").length === 1).toBe(true);
    expect(JSON.parse(r.stdout)).toMatchObject({ result, issuer: "cli-ca" });
  });

  it("persists the RN; a smaller one afterwards is rejected with exit 1 and the file keeps the larger", async () => {
    const file = await freshState();
    body = info(2n ** 60n);
    const up = JSON.parse((await deviceFetch({ repository: repo.url, issuer: "cli-ca", state: file })).stdout);
    expect(up).toMatchObject({ result: "updated", revocationNumber: (2n ** 60n).toString(), previous: 0 }); // above 2^53: a string
    body = info(3n);
    const down = await deviceFetch({ repository: repo.url, issuer: "cli-ca", state: file });
    expect(down.exitCode).toBe(1);
    expect(JSON.parse(down.stdout)).toMatchObject({ result: "rejected-smaller", revocationNumber: (2n ** 60n).toString(), received: 3 });
    expect(JSON.parse(fs.readFileSync(file, "utf8")).cas[0].revocationNumber).toBe((2n ** 60n).toString());
  });

  it("unreachable → exit 3, state untouched", async () => {
    const file = await freshState();
    const before = fs.readFileSync(file, "utf8");
    const r = await deviceFetch({ repository: `http://127.0.0.1:${await deadPort()}`, issuer: "cli-ca", state: file, timeout: "2000" });
    expect(r.exitCode).toBe(3);
    expect(JSON.parse(r.stdout).result).toBe("unreachable");
    expect(fs.readFileSync(file, "utf8")).toBe(before);
  });

  it.each<[string, Partial<Parameters<typeof deviceFetch>[0]>]>([
    ["an http URL with --bare", { bare: true }],
    ["a bad timeout", { timeout: "soon" }],
    ["a ftp URL", { repository: "ftp://127.0.0.1/x" }],
    ["an issuer with a slash", { issuer: "a/b" }],
    ["a missing state file", { state: "/nonexistent/device.json" }],
  ])("%s is bad input", async (_n, change) => {
    const file = await freshState();
    await expect(deviceFetch({ repository: repo.url, issuer: "cli-ca", state: file, ...change })).rejects.toThrow(InputError);
  });
});

describe("device check", () => {
  it("prints valid / revoked / unreachable with exit 0 / 1 / 3", async () => {
    const file = await freshState();
    body = info(5n);
    await deviceFetch({ repository: repo.url, issuer: "cli-ca", state: file });
    const good = await startTlsServer(await issueLeaf(ca, 5n));
    const old = await startTlsServer(await issueLeaf(ca, 4n));
    try {
      expect(await deviceCheck({ host: "127.0.0.1", port: String(good.port), state: file })).toMatchObject({ stdout: "valid\n", exitCode: 0 });
      expect(await deviceCheck({ host: "127.0.0.1", port: String(old.port), state: file })).toMatchObject({ stdout: "revoked\n", exitCode: 1 });
      expect(await deviceCheck({ host: "127.0.0.1", port: String(await deadPort()), state: file })).toMatchObject({ stdout: "unreachable\n", exitCode: 3 });
    } finally {
      await Promise.all([good.close(), old.close()]);
    }
    await expect(deviceCheck({ host: "127.0.0.1", port: "70000", state: file })).rejects.toThrow(InputError);
  });
});

describe("commander wiring (lib/cli/commands/device.ts)", () => {
  it("maps the documented options and ends with CliExit(code) after printing", async () => {
    const file = await freshState();
    const program = new Command("rootline").exitOverride();
    register(program);
    const out = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      body = info(9n);
      await program.parseAsync(["node", "rootline", "device", "fetch", "--repository", repo.url, "--issuer", "cli-ca", "--state", file]);
      expect(JSON.parse(String(out.mock.calls.at(-1)?.[0]))).toMatchObject({ result: "updated", revocationNumber: 9 });
      const dead = String(await deadPort());
      const run = program.parseAsync(["node", "rootline", "device", "check", "--host", "127.0.0.1", "--port", dead, "--state", file, "--timeout", "2000"]);
      await expect(run).rejects.toSatisfy((e) => e instanceof CliExit && e.code === 3);
      expect(out.mock.calls.at(-1)?.[0]).toBe("unreachable\n");
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  });
});
