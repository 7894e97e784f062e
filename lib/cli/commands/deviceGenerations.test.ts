import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caInfoJsonText } from "../../generations/caInfo";
import { pemEncode } from "../../pki/pem";
import { deadPort, issueLeaf, makeCa } from "../../test/device";
import { flipByte, makeDistributionKey, makeTestLineage, type TestDistributionKey, type TestGeneration } from "../../test/deviceGenerations";
import { startDownloadSlot, type DownloadSlot } from "../../test/downloadSlot";

/**
 * `rootline device generations init|poll|check`, spawned as the real binary
 * (bin/rootline.mjs), against real TLS download and application servers in this
 * process (hence an asynchronous spawn: the servers must keep answering). Checks the
 * contract's output shapes (one JSON line) and exit codes: 0 ok, 1 rejected,
 * 2 bad input, 3 unreachable.
 */

let slot2: DownloadSlot;
let app: DownloadSlot;
let gens: TestGeneration[];
let distribution: TestDistributionKey;
let dir: string;
let keyFile: string;
let state: string;

function rootline(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.resolve("bin/rootline.mjs"), "device", "generations", ...args], { env: process.env, timeout: 60_000 }, (e, out, err) => {
      resolve({ code: e ? ((e as { code?: number }).code ?? -1) : 0, out, err });
    });
  });
}
const oneLine = (out: string) => {
  const lines = out.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]);
};

beforeAll(async () => {
  slot2 = await startDownloadSlot();
  app = await startDownloadSlot();
  ({ distribution, gens } = await makeTestLineage({ count: 2, urlOf: (n) => (n === 2 ? slot2.url("/ca-info/2") : `https://127.0.0.1:9/ca-info/${n}`) }));
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "rootline-gencli-"));
  keyFile = path.join(dir, "distribution.pem");
  fs.writeFileSync(keyFile, pemEncode("PUBLIC KEY", distribution.spki));
  fs.writeFileSync(path.join(dir, "ca-info-1.json"), caInfoJsonText(gens[0].info.json));
  fs.writeFileSync(path.join(dir, "ca-info-1.der"), gens[0].info.der);
  state = path.join(dir, "device.json");
});
afterAll(async () => {
  await Promise.all([slot2.close(), app.close()]);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("rootline device generations (spawned)", () => {
  it("init, poll and check: output shapes and exit codes through a rollover", async () => {
    let r = await rootline(["init", "--state", state, "--distribution-key", keyFile, "--ca-info", path.join(dir, "ca-info-1.json")]);
    expect(r.code).toBe(0);
    expect(oneLine(r.out)).toEqual({ result: "initialised", generation: 1, subject: "CN=L-1", nextUrl: slot2.url("/ca-info/2") });
    r = await rootline(["init", "--state", state, "--distribution-key", keyFile, "--ca-info", path.join(dir, "ca-info-1.der")]);
    expect([r.code, oneLine(r.out).result]).toEqual([0, "unchanged"]);

    r = await rootline(["poll", "--state", state, "--timeout", "3000"]);
    expect(r.code).toBe(3);
    expect(oneLine(r.out)).toMatchObject({ result: "unreachable", reason: expect.any(String) });

    slot2.up(gens[0].download, { "/ca-info/2": flipByte(gens[1].info.der, -3) });
    r = await rootline(["poll", "--state", state]);
    expect(r.code).toBe(1);
    expect(oneLine(r.out)).toMatchObject({ result: "rejected", reason: expect.stringMatching(/distribution key/) });

    slot2.up(gens[0].download, { "/ca-info/2": gens[1].info.der });
    r = await rootline(["poll", "--state", state]);
    expect([r.code, oneLine(r.out)]).toEqual([0, { result: "stored-next", url: slot2.url("/ca-info/2"), generation: 2 }]);
    r = await rootline(["poll", "--state", state]);
    expect([r.code, oneLine(r.out).result]).toEqual([0, "unchanged"]);

    app.up(gens[0].app, {});
    r = await rootline(["check", "--host", "127.0.0.1", "--port", String(app.port), "--state", state]);
    expect([r.code, oneLine(r.out)]).toEqual([0, { accepted: true, promoted: false, generation: 1 }]);

    app.up(await issueLeaf(await makeCa("CN=Stranger"), 5n), {});
    r = await rootline(["check", "--host", "127.0.0.1", "--port", String(app.port), "--state", state]);
    expect(r.code).toBe(1);
    expect(oneLine(r.out)).toMatchObject({ accepted: false, promoted: false, generation: 1, code: "unknown-issuer" });

    app.up(await issueLeaf(gens[1].ca, 20n, { sans: ["DNS:app.example"] }), {});
    r = await rootline(["check", "--host", "127.0.0.1", "--port", String(app.port), "--state", state, "--servername", "other.example"]);
    expect([r.code, oneLine(r.out).accepted]).toEqual([1, false]);
    r = await rootline(["check", "--host", "127.0.0.1", "--port", String(app.port), "--state", state, "--servername", "app.example"]);
    expect(r.code).toBe(0);
    expect(oneLine(r.out)).toMatchObject({ accepted: true, promoted: true, generation: 2, polled: { result: "unreachable" } });

    r = await rootline(["check", "--host", "127.0.0.1", "--port", String(await deadPort()), "--state", state, "--timeout", "3000"]);
    expect(r.code).toBe(3);
    expect(oneLine(r.out)).toMatchObject({ accepted: false, code: "unreachable" });
  }, 180_000); // a dozen spawned CLI runs, each paying tsx start-up on a loaded machine

  it("bad input: exit 2, the field on stderr, nothing on stdout", async () => {
    const other = await makeDistributionKey();
    const otherKey = path.join(dir, "other.pem");
    fs.writeFileSync(otherKey, pemEncode("PUBLIC KEY", other.spki));
    let r = await rootline(["init", "--state", path.join(dir, "x.json"), "--distribution-key", otherKey, "--ca-info", path.join(dir, "ca-info-1.der")]);
    expect([r.code, r.out]).toEqual([2, ""]);
    expect(r.err).toMatch(/caInfo.*distribution key/);
    expect(fs.existsSync(path.join(dir, "x.json"))).toBe(false);
    r = await rootline(["poll", "--state", path.join(dir, "missing.json")]);
    expect([r.code, r.out]).toEqual([2, ""]);
    expect(r.err).toMatch(/state/);
  }, 60_000);
});
