/** Agents as real processes: the CLI command, and atomic writes under kill -9. */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeFleet, makeRoot } from "../test/agents";
import { loadStore, certPem, rootsPem } from "./store";

const children: ChildProcess[] = [];
afterAll(() => children.forEach((c) => c.exitCode === null && c.kill("SIGKILL")));

function run(args: string[]): { child: ChildProcess; exit: Promise<number | null>; stderr: () => string; stdout: () => string } {
  const child = spawn(process.execPath, args, { env: process.env, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let err = "";
  let out = "";
  child.stderr!.on("data", (d) => (err += d));
  child.stdout!.on("data", (d) => (out += d));
  return { child, exit: new Promise((r) => child.on("exit", (code) => r(code))), stderr: () => err, stdout: () => out };
}

async function until(f: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("agent processes", () => {
  it("`rootline agent` runs two nodes that handshake, and stops cleanly on SIGTERM", async () => {
    const root = await makeRoot();
    const f = await makeFleet({ root, nodes: ["a", "b"], links: [["a", "b"]], direct: ["a", "b"] });
    const cli = path.resolve("bin/rootline.mjs");
    const b = run([cli, "agent", "--dir", f.nodes.get("b")!.dir, "--handshake-interval-ms", "200"]);
    // The client starts once the server listens, so every client handshake must be ok.
    await until(() => /b running on port \d+/.test(b.stderr()), "b listening");
    const a = run([cli, "agent", "--dir", f.nodes.get("a")!.dir, "--handshake-interval-ms", "200", "--poll-interval-ms", "200"]);
    const log = (id: string) => path.join(f.nodes.get(id)!.dir, "handshakes.jsonl");
    await until(() => fs.existsSync(log("a")) && fs.existsSync(log("b")) && fs.readFileSync(log("b"), "utf8").includes('"result":"ok"'), "handshakes");
    a.child.kill("SIGTERM");
    b.child.kill("SIGTERM");
    expect(await a.exit).toBe(0);
    expect(await b.exit).toBe(0);
    expect(b.stderr()).toMatch(/b stopped \(SIGTERM\)/);
    const lines = fs.readFileSync(log("a"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => l.result === "ok" && l.peer === "b" && l.role === "client")).toBe(true);
    f.cleanup();
  }, 90_000);

  it("kill -9 during a loop of store writes leaves a complete store and matching PEM views", async () => {
    const root = await makeRoot();
    const f = await makeFleet({ root, nodes: ["a"], links: [], direct: ["a"] });
    const dir = f.nodes.get("a")!.dir;
    const cert = (await loadStore(dir)).groups.default.certificates[0];
    for (let round = 0; round < 3; round++) {
      const w = run(["--import", "tsx", path.resolve("lib/agent/testdata/writeLoop.ts"), dir, root.pem, cert]);
      await until(() => w.stdout().includes("writing"), "writer started");
      await new Promise((r) => setTimeout(r, 100 + round * 150));
      w.child.kill("SIGKILL");
      await w.exit;
      const store = await loadStore(dir); // parses and validates: never a torn file
      expect(store.groups.default.certificates).toEqual([cert]);
      // Each view was written from some complete store (the store is written first).
      expect(fs.readFileSync(path.join(dir, "cert.pem"), "utf8")).toBe(certPem(store));
      expect(fs.readFileSync(path.join(dir, "roots.pem"), "utf8")).toBe(rootsPem(store));
    }
    // Leftover temporary files from the killed writer are never read as the store.
    expect(fs.readdirSync(dir).filter((n) => !n.startsWith(".")).sort()).toEqual(["agent.json", "cert.pem", "key.pem", "roots.pem", "store.json"]);
    f.cleanup();
  }, 60_000);
});
