import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Command } from "commander";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CliExit } from "../io";
import { register } from "./plan";

/** Runs `rootline plan ...` through commander with register(), capturing output and the exit code. */
async function cli(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  const program = new Command("rootline").exitOverride();
  register(program);
  let stdout = "";
  let stderr = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    await program.parseAsync(["plan", ...args], { from: "user" });
    return { stdout, stderr, code: 0 };
  } catch (e) {
    if (e instanceof CliExit) return { stdout, stderr, code: e.code };
    throw e;
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe("plan command (commander wiring)", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "rootline-plan-"));
    fs.writeFileSync(
      path.join(dir, "t.json"),
      JSON.stringify({ nodes: [{ id: "30", direct: true }, { id: "40" }], links: [{ client: "40", server: "30" }] }),
    );
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("prints the plan and exits 0", async () => {
    const r = await cli([path.join(dir, "t.json"), "--schedule", "linear", "--merge-client-steps"]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.groups[0]).toMatchObject({ group: "default", mode: "stepwise", schedule: "linear" });
    expect(json.groups[0].requests[1]).toEqual(["store-root:40", "store-cert:40"]);
  });

  it("--check: FIG. 13 order 4-before-2 exits 1 naming the link", async () => {
    const order = ["create-root", "store-root:30", "store-cert:30", "store-root:40", "store-cert:40", "replace-root:30", "replace-root:40"];
    fs.writeFileSync(path.join(dir, "o.json"), JSON.stringify(order));
    const r = await cli([path.join(dir, "t.json"), "--check", path.join(dir, "o.json")]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({
      ok: false,
      step: 3,
      task: "store-cert:30",
      link: { client: "40", server: "30" },
      reason: "server 30 replaced its certificate before client 40 stored the new root",
    });
  });

  it("a missing file exits 2 with a JSON error", async () => {
    const r = await cli([path.join(dir, "nope.json")]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error).toMatch(/cannot read topology file/);
    expect(r.stderr).toMatch(/no such file/);
  });

  it("a bad --mode exits 2 (validated by the command, not commander)", async () => {
    const r = await cli([path.join(dir, "t.json"), "--mode", "fast"]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).details).toEqual(['--mode must be one of stepwise, bundled (got "fast")']);
  });
});
