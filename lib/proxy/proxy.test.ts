import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { pemEncode } from "../pki/pem";
import { deadPort, issueLeaf, makeCa } from "../test/device";
import { loadProxyConfig } from "./config";
import { Proxy } from "./proxy";

/** The runtime in-process (the proof with real clients and upstreams is proxy.process.test.ts). */
async function files() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proxy-rt-"));
  const ca = await makeCa("CN=Proxy Runtime CA");
  const me = await issueLeaf(ca, 10n, { subject: "CN=proxy-rt", profile: "proxy" });
  const write = (name: string, label: string, der: Uint8Array) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, pemEncode(label, der));
    return f;
  };
  return { dir, ca: write("ca.pem", "CERTIFICATE", ca.certDer), cert: write("p.pem", "CERTIFICATE", me.certDer), key: write("p.key", "PRIVATE KEY", me.keyPkcs8) };
}

const running: Proxy[] = [];
afterEach(async () => {
  for (const p of running.splice(0)) await p.stop("test", 0);
});

describe("proxy runtime", () => {
  it("without --policy, the app's last policy is kept in the data dir and decides from the first connection after a restart", async () => {
    const f = await files();
    const dead = await deadPort();
    const config = loadProxyConfig({
      listen: "127.0.0.1:0",
      upstream: `127.0.0.1:${dead}`,
      ca: f.ca,
      repository: `http://127.0.0.1:${dead}/api/repository`,
      issuer: "rt-ca",
      cert: f.cert,
      key: f.key,
      app: `http://127.0.0.1:${dead}`,
      name: "proxy-rt",
      dataDir: path.join(f.dir, "data"),
    });
    const first = await Proxy.start(config, { signals: false, fetchTimeoutMs: 500, log: () => {} });
    running.push(first);
    expect(first.status()).toMatchObject({ policy: { default: "allow", rules: 0 } });
    await first.applyPolicy({ default: "deny", rules: [{ source: "10.0.0.0/8", answer: "allow" }] }, "the app (policy version 2)");
    await first.stop("restart", 0);
    running.pop();

    const second = await Proxy.start(config, { signals: false, fetchTimeoutMs: 500, log: () => {} });
    running.push(second);
    expect(second.status()).toMatchObject({ policy: { default: "deny", rules: 1, problem: null } });
    await second.stop("restart", 0);
    running.pop();

    // A damaged stored policy: deny everyone until the app answers, and say why.
    fs.writeFileSync(path.join(f.dir, "data", "app-policy.json"), "{");
    const third = await Proxy.start(config, { signals: false, fetchTimeoutMs: 500, log: () => {} });
    running.push(third);
    expect(third.status()).toMatchObject({ policy: { default: "deny", rules: 0, problem: expect.stringContaining("app-policy.json") } });
  });
});
