import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fig46 } from "../../topologies/samples";

/** The rotation-run CLI contract (docs/ROTATION_RUNS.md "Setup"), spawned against the test database. */
function rootline(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [path.resolve("bin/rootline.mjs"), ...args], { encoding: "utf8", env: { ...process.env, ...env }, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("rootline topology / rotation", () => {
  it("imports, binds, provisions, starts, reports status and resumes with the contract's shapes and exit codes", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cli-rot-"));
    const file = path.join(dir, "t.json");
    fs.writeFileSync(file, JSON.stringify(fig46()));
    const bad = path.join(dir, "bad.json");
    fs.writeFileSync(bad, JSON.stringify({ nodes: [{ id: "a", direct: false, acceptsConnections: false }], links: [{ client: "a", server: "zz", group: "default", auth: "mutual" }] }));
    const invalid = rootline(["topology", "import", "--name", "bad", "--file", bad]);
    expect(invalid.code).toBe(2);
    expect(invalid.err).toMatch(/^rootline: document: .*zz/);
    expect(rootline(["issuer", "create", "--name", "rot-ca", "--key", "ec-p256", "--subject", "CN=Fleet Root"]).code).toBe(0);
    expect(rootline(["topology", "import", "--name", "f46", "--file", file]).code).toBe(0);
    expect(rootline(["topology", "bind", "--topology", "f46", "--issuer", "nope"]).code).toBe(2);
    expect(rootline(["topology", "bind", "--topology", "f46", "--group", "default", "--issuer", "rot-ca"]).code).toBe(0);
    const prov = rootline(["topology", "provision", "--topology", "f46", "--out", path.join(dir, "nodes"), "--base-port", "23000"]);
    expect(prov.code, prov.err).toBe(0);
    expect(fs.readdirSync(path.join(dir, "nodes")).sort()).toEqual(["30-1", "30-2", "40-1", "40-2", "40-3", "40-4"]);

    const order = path.join(dir, "order.json");
    fs.writeFileSync(order, JSON.stringify(["store-root:30-1"]));
    const refused = rootline(["rotation", "start", "--topology", "f46", "--unsafe-order", order, "--json"]);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/unsafe-order: .*test-only/);

    const start = rootline(["rotation", "start", "--topology", "f46", "--mode", "bundled", "--max-failures", "3", "--task-timeout-s", "10", "--json"]);
    expect(start.code, start.err).toBe(0);
    const { id, ...rest } = JSON.parse(start.out);
    expect(typeof id).toBe("string");
    expect(rest).toEqual({});
    expect(rootline(["rotation", "start", "--topology", "f46", "--json"]).code).toBe(2); // the issuer's run is unfinished
    const status = JSON.parse(rootline(["rotation", "status", id, "--json"]).out);
    expect(Object.keys(status)).toEqual(["id", "state", "tasks"]);
    expect(status.state).toBe("running");
    expect(Object.keys(status.tasks[0])).toEqual(["id", "node", "kind", "state", "attempts", "lastError"]);
    expect(status.tasks[0]).toEqual({ id: "create-root-bundle", node: null, kind: "create-root-bundle", state: "succeeded", attempts: 1, lastError: null });
    expect(rootline(["rotation", "status", "nope", "--json"]).code).toBe(2);
    const resume = rootline(["rotation", "resume", id]);
    expect(resume.code, resume.err).toBe(0);
    expect(resume.out).toBe(`${id}: running\n`);
  }, 120_000); // nine CLI processes, each a few seconds on a loaded 2-core machine
});
