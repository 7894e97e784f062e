import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { afterAll, describe, expect, it } from "vitest";
import { parseMasterKey } from "./masterKey";

// Real processes only: this test process never loads the master key itself (it would count
// as a key holder); app stand-ins and the real CLI do the work.
const dir = process.env.ROOTLINE_DATA_DIR!;
const runDir = path.join(path.dirname(process.env.DATABASE_URL!.replace(/^file:/, "")), "run");
const newKey = () => crypto.randomBytes(32).toString("base64");
const idOf = (k: string) => parseMasterKey(k, "k").id.toString("hex");
const base = { ...process.env, ROOTLINE_MASTER_KEY: "", ROOTLINE_PREVIOUS_MASTER_KEY: "" };
const children: ChildProcessWithoutNullStreams[] = [];
afterAll(() => children.forEach((c) => c.kill("SIGKILL")));

function holder(env: NodeJS.ProcessEnv) {
  const p = spawn(process.execPath, ["--import", "tsx", "lib/test/holder.ts"], { env }); // no tsx CLI: it would run a second process
  children.push(p);
  const lines = createInterface({ input: p.stdout })[Symbol.asyncIterator]();
  const next = async () => (await lines.next()).value as string;
  return { p, ready: next(), ask: async (id: string) => (p.stdin.write(id + "\n"), next()) };
}

function cli(env: NodeJS.ProcessEnv, ...args: string[]) {
  const r = spawnSync(process.execPath, ["bin/rootline.mjs", ...args], { env, encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("master-key rotation with other processes running (real processes)", () => {
  it("refuses while another process holds the key; a process that missed it cannot write with the old key; a key-file process reloads", async () => {
    const k0 = newKey();
    const k1 = newKey();
    const h1 = holder({ ...base, ROOTLINE_MASTER_KEY: k0 });
    expect(await h1.ready).toBe(`ready ${h1.p.pid}`);
    expect(await h1.ask("a")).toBe(`ok ${idOf(k0)}`);

    const refused = cli({ ...base, ROOTLINE_MASTER_KEY: k1, ROOTLINE_PREVIOUS_MASTER_KEY: k0 }, "master-key", "rotate");
    expect(refused.code).toBe(2);
    expect(refused.err).toContain(`pid ${h1.p.pid}`);

    // A process the check cannot see (it started during the rotation, or on another host):
    fs.rmSync(path.join(runDir, `${h1.p.pid}.key`));
    const done = cli({ ...base, ROOTLINE_MASTER_KEY: k1, ROOTLINE_PREVIOUS_MASTER_KEY: k0 }, "master-key", "rotate");
    expect(done.code, done.err).toBe(0);
    // ...its next write is refused instead of sealing or MACing with the old key.
    expect(await h1.ask("b")).toMatch(/^error .*master key was rotated; restart/);
    const v1 = cli({ ...base, ROOTLINE_MASTER_KEY: k1 }, "audit", "verify");
    expect(v1.code, v1.out).toBe(0);
    expect(JSON.parse(v1.out)).toMatchObject({ ok: true, count: 2 }); // "a" and the rotation; "b" rolled back

    // An app reading its key from master.key: rotation refused while it runs...
    const keyFile = path.join(dir, "rotating.key");
    fs.writeFileSync(keyFile, k1, { mode: 0o600 });
    const h2 = holder({ ...base, ROOTLINE_MASTER_KEY_FILE: keyFile });
    await h2.ready;
    const k2 = newKey();
    expect(cli({ ...base, ROOTLINE_MASTER_KEY: k2, ROOTLINE_PREVIOUS_MASTER_KEY: k1 }, "master-key", "rotate").code).toBe(2);
    // ...and if it was missed, it picks up the new key file on its next write.
    fs.rmSync(path.join(runDir, `${h2.p.pid}.key`));
    expect(cli({ ...base, ROOTLINE_MASTER_KEY: k2, ROOTLINE_PREVIOUS_MASTER_KEY: k1 }, "master-key", "rotate").code).toBe(0);
    fs.writeFileSync(keyFile, k2);
    expect(await h2.ask("c")).toBe(`ok ${idOf(k2)}`);

    // A crashed process leaves its file behind; it does not block a rotation.
    const h3 = holder({ ...base, ROOTLINE_MASTER_KEY: k2 });
    await h3.ready;
    h3.p.kill("SIGKILL");
    await new Promise((r) => h3.p.once("exit", r));
    h2.p.kill("SIGTERM");
    await new Promise((r) => h2.p.once("exit", r));
    h1.p.kill("SIGTERM");
    await new Promise((r) => h1.p.once("exit", r));
    expect(fs.existsSync(path.join(runDir, `${h3.p.pid}.key`))).toBe(true);
    const k3 = newKey();
    const last = cli({ ...base, ROOTLINE_MASTER_KEY: k3, ROOTLINE_PREVIOUS_MASTER_KEY: k2 }, "master-key", "rotate");
    expect(last.code, last.err).toBe(0);
    expect(JSON.parse(cli({ ...base, ROOTLINE_MASTER_KEY: k3 }, "audit", "verify").out)).toMatchObject({ ok: true, count: 5 });
  }, 120_000);
});
