import { describe, expect, it } from "vitest";
import { runPlanCommand } from "./command";

const FIG13 = JSON.stringify({ nodes: [{ id: "30", direct: true }, { id: "40" }], links: [{ client: "40", server: "30" }] });
const TWO_GROUPS = JSON.stringify({
  nodes: [{ id: "30", direct: true }, { id: "40" }, { id: "50" }],
  links: [{ client: "40", server: "30", group: "A" }, { client: "30", server: "50", group: "B" }],
});

/** An in-memory file system for the command. */
function files(map: Record<string, string>) {
  return (path: string) => {
    if (!(path in map)) throw new Error(`cannot read ${path}: no such file`);
    return map[path];
  };
}

const run = (args: Parameters<typeof runPlanCommand>[0], fs: Record<string, string>) => runPlanCommand(args, files(fs));

describe("rootline plan", () => {
  it("prints the plan in the contract's format", () => {
    const out = run({ topology: "t.json" }, { "t.json": FIG13 });
    expect(out.exitCode).toBe(0);
    expect(out.stderr).toBe("");
    const json = JSON.parse(out.stdout);
    expect(Object.keys(json)).toEqual(["groups"]);
    const [g] = json.groups;
    expect(Object.keys(g)).toEqual(["group", "mode", "schedule", "tasks", "order"]);
    expect(g).toMatchObject({ group: "default", mode: "stepwise", schedule: "minimal" });
    expect(g.tasks.find((t: { id: string }) => t.id === "store-cert:30")).toEqual({
      id: "store-cert:30",
      kind: "store-cert",
      node: "30",
      after: ["store-root:30", "store-root:40"],
      preferredAfter: [],
      route: ["30"],
    });
    expect(g.tasks[0]).toEqual({ id: "create-root", kind: "create-root", node: null, after: [], preferredAfter: [], route: [] });
    expect(g.order).toEqual(["create-root", "store-root:30", "store-root:40", "store-cert:30", "store-cert:40", "replace-root:30", "replace-root:40"]);
  });

  it("honours --mode, --schedule and --merge-client-steps (which adds the requests)", () => {
    const bundled = JSON.parse(run({ topology: "t.json", mode: "bundled", schedule: "phased" }, { "t.json": FIG13 }).stdout);
    expect(bundled.groups[0]).toMatchObject({ mode: "bundled", schedule: "phased", order: ["create-root-bundle", "bundle:40", "bundle:30", "discard-old:40"] });
    const merged = JSON.parse(run({ topology: "t.json", schedule: "linear", mergeClientSteps: true }, { "t.json": FIG13 }).stdout);
    expect(merged.groups[0].requests).toEqual([["store-root:30"], ["store-root:40", "store-cert:40"], ["store-cert:30"], ["replace-root:30"], ["replace-root:40"]]);
  });

  it.each([
    ["4 before 2", ["create-root", "store-root:30", "store-cert:30", "store-root:40", "store-cert:40", "replace-root:30", "replace-root:40"], 3, "store-cert:30", "server 30 replaced its certificate before client 40 stored the new root"],
    ["5 before 3", ["create-root", "store-root:30", "store-root:40", "store-cert:30", "replace-root:30", "store-cert:40", "replace-root:40"], 5, "replace-root:30", "server 30 deleted the old root before client 40 stored its new certificate"],
    ["6 before 4", ["create-root", "store-root:30", "store-root:40", "store-cert:40", "replace-root:40", "store-cert:30", "replace-root:30"], 5, "replace-root:40", "client 40 deleted the old root before server 30 stored its new certificate"],
  ])("--check rejects FIG. 13's forbidden order %s: exit 1", (_name, order, step, task, reason) => {
    const out = run({ topology: "t.json", check: "o.json" }, { "t.json": FIG13, "o.json": JSON.stringify(order) });
    expect(out.exitCode).toBe(1);
    expect(JSON.parse(out.stdout)).toEqual({ ok: false, step, task, link: { client: "40", server: "30" }, reason });
    expect(Object.keys(JSON.parse(out.stdout))).toEqual(["ok", "step", "task", "link", "reason"]);
    expect(out.stderr).toContain(reason);
  });

  it("--check accepts the plan's own order: exit 0", () => {
    const plan = JSON.parse(run({ topology: "t.json" }, { "t.json": FIG13 }).stdout);
    const out = run({ topology: "t.json", check: "o.json" }, { "t.json": FIG13, "o.json": JSON.stringify(plan.groups[0].order) });
    expect(out).toEqual({ stdout: '{"ok":true}', stderr: "", exitCode: 0 });
  });

  it("--check prints link null for a request the node cannot verify", () => {
    const order = ["create-root", "store-root:30", "store-cert:40", "store-root:40", "store-cert:30", "replace-root:30", "replace-root:40"];
    const out = run({ topology: "t.json", check: "o.json" }, { "t.json": FIG13, "o.json": JSON.stringify(order) });
    expect(out.exitCode).toBe(1);
    expect(JSON.parse(out.stdout)).toMatchObject({ ok: false, step: 3, task: "store-cert:40", link: null });
  });

  it("--check with several groups takes {group: order} and names the group", () => {
    const plan = JSON.parse(run({ topology: "t.json" }, { "t.json": TWO_GROUPS }).stdout);
    const [a, b] = plan.groups;
    const good = run({ topology: "t.json", check: "o.json" }, { "t.json": TWO_GROUPS, "o.json": JSON.stringify({ A: a.order, B: b.order }) });
    expect(good.exitCode).toBe(0);
    const bad = ["create-root", "store-root:50", "store-cert:50", "store-root:30", "store-cert:30", "replace-root:50", "replace-root:30"];
    const out = run({ topology: "t.json", check: "o.json" }, { "t.json": TWO_GROUPS, "o.json": JSON.stringify({ A: a.order, B: bad }) });
    expect(out.exitCode).toBe(1);
    expect(JSON.parse(out.stdout)).toEqual({
      ok: false,
      group: "B",
      step: 3,
      task: "store-cert:50",
      link: { client: "30", server: "50" },
      reason: "server 50 replaced its certificate before client 30 stored the new root",
    });
    const flat = run({ topology: "t.json", check: "o.json" }, { "t.json": TWO_GROUPS, "o.json": JSON.stringify(a.order) });
    expect(flat.exitCode).toBe(2);
  });

  describe("bad input: exit 2 with a JSON error on stdout and a message on stderr", () => {
    const cases: [string, Parameters<typeof runPlanCommand>[0], Record<string, string>, string, unknown[]?][] = [
      ["unreadable topology", { topology: "missing.json" }, {}, "cannot read topology file missing.json", ["cannot read missing.json: no such file"]],
      ["bad JSON", { topology: "t.json" }, { "t.json": "{nodes:" }, "topology file t.json is not valid JSON"],
      [
        "invalid topology",
        { topology: "t.json" },
        { "t.json": JSON.stringify({ nodes: [{ id: "a", direct: true }], links: [{ client: "a", server: "zz" }] }) },
        "invalid topology t.json",
        [{ path: "links[0].server", linkIndex: 0, message: 'unknown node "zz" as server (no node has this id)' }],
      ],
      ["bad --mode", { topology: "t.json", mode: "turbo" }, { "t.json": FIG13 }, "invalid options", ['--mode must be one of stepwise, bundled (got "turbo")']],
      ["bad --schedule", { topology: "t.json", schedule: "random" }, { "t.json": FIG13 }, "invalid options", ['--schedule must be one of minimal, phased, linear (got "random")']],
      ["merge in bundled mode", { topology: "t.json", mode: "bundled", mergeClientSteps: true }, { "t.json": FIG13 }, "invalid options"],
      [
        "bundled mode impossible",
        { topology: "t.json", mode: "bundled" },
        { "t.json": JSON.stringify({ nodes: [{ id: "20", direct: true }, { id: "30" }, { id: "40" }], links: [{ client: "40", server: "30" }, { client: "30", server: "20" }] }) },
        "cannot plan the update in bundled mode",
      ],
      ["unreadable order", { topology: "t.json", check: "o.json" }, { "t.json": FIG13 }, "cannot read order file o.json"],
      ["order not JSON", { topology: "t.json", check: "o.json" }, { "t.json": FIG13, "o.json": "[create-root" }, "order file o.json is not valid JSON"],
      [
        "unknown, missing and repeated tasks",
        { topology: "t.json", check: "o.json" },
        { "t.json": FIG13, "o.json": JSON.stringify(["create-root", "create-root", "store-root:99"]) },
        "invalid order o.json",
      ],
    ];
    it.each(cases)("%s", (_name, args, fs, error, details) => {
      const out = run(args, fs);
      expect(out.exitCode).toBe(2);
      const json = JSON.parse(out.stdout);
      expect(Object.keys(json)).toEqual(["error", "details"]);
      expect(json.error).toBe(error);
      expect(json.details.length).toBeGreaterThan(0);
      if (details) expect(json.details).toEqual(details);
      expect(out.stderr).toContain(error);
    });

    it("lists each problem of an invalid order", () => {
      const out = run({ topology: "t.json", check: "o.json" }, { "t.json": FIG13, "o.json": JSON.stringify(["create-root", "create-root", "store-root:99"]) });
      const messages = JSON.parse(out.stdout).details.map((d: { message: string }) => d.message);
      expect(messages).toContain('task "create-root" is repeated (first at step 1)');
      expect(messages).toContain('unknown task "store-root:99" in group "default"');
      expect(messages).toContain('task "replace-root:40" is missing');
    });
  });
});
