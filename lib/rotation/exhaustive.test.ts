import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkOrder } from "./checker";
import type { Mode, Topology } from "./model";
import { planUpdate, taskTableFor } from "./planner";
import { arbTopology, exploreOrders, linearizations, onlyGroup, reaches, topo, withoutEdge } from "../test/rotation";

/** Small topologies covering every role: pairs, fan-out/fan-in, shared clients, chains, one-way, cycles. */
const CATALOG: [name: string, build: () => Topology][] = [
  ["FIG. 13 pair", () => topo(["*30", "40"], [["40", "30"]])],
  ["FIG. 23 pair, CA reaches client", () => topo(["30", "*40"], [["40", "30"]])],
  ["FIG. 35, n=2", () => topo(["*30", "40-1", "40-2"], [["40-1", "30"], ["40-2", "30"]])],
  ["FIG. 42, n=2", () => topo(["*40", "30-1", "30-2"], [["40", "30-1"], ["40", "30-2"]])],
  ["FIG. 46, small", () => topo(["*30-1", "*30-2", "40-1", "40-3", "40-4"], [["40-1", "30-1"], ["40-3", "30-1"], ["40-3", "30-2"], ["40-4", "30-2"]])],
  ["one-way pair", () => topo(["*30", "40"], [["40", "30", undefined, "one-way"]])],
  ["multi-role chain", () => topo(["*20", "30", "40"], [["40", "30"], ["30", "20"]])],
  ["chain, one-way top", () => topo(["*20", "30", "40"], [["40", "30"], ["30", "20", undefined, "one-way"]])],
  ["each the other's client", () => topo(["*a", "b"], [["a", "b"], ["b", "a"]])],
  ["mutual triangle", () => topo(["*a", "b", "c"], [["a", "b"], ["b", "c"], ["c", "a"]])],
  ["mixed star", () => topo(["*s", "c1", "c2", "m"], [["c1", "s"], ["c2", "s", undefined, "one-way"], ["m", "s"], ["c1", "m", undefined, "one-way"]])],
];

function modesOf(t: Topology): Mode[] {
  return (["stepwise", "bundled"] as Mode[]).filter((mode) => planUpdate(t, { mode }).ok);
}

describe("FIG. 13 — all 5040 orders of the seven tasks", () => {
  it("an order authenticates at every step exactly when it respects the mandatory constraints", () => {
    const t = topo(["*30", "40"], [["40", "30"]]);
    const g = onlyGroup(t);
    const ids = g.tasks.map((x) => x.id);
    const position = (order: string[]) => new Map(order.map((id, i) => [id, i]));
    let accepted = 0;
    let total = 0;
    const permute = (prefix: string[], rest: string[]) => {
      if (rest.length === 0) {
        total++;
        const pos = position(prefix);
        const respects = g.tasks.every((x) => x.after.every((p) => pos.get(p)! < pos.get(x.id)!));
        const ok = checkOrder(t, g, prefix).kind === "ok";
        expect(ok, prefix.join(" ")).toBe(respects);
        if (ok) accepted++;
        return;
      }
      rest.forEach((id, i) => permute([...prefix, id], [...rest.slice(0, i), ...rest.slice(i + 1)]));
    };
    permute([], ids);
    expect(total).toBe(5040);
    // The accepted orders are exactly the linearizations of the mandatory constraints.
    const table = taskTableFor(t, g);
    expect(accepted).toBe([...linearizations(table, table.mandatory)].length);
    expect(accepted).toBeGreaterThan(1);
  });

  it("every mandatory edge is necessary except 2→6, which 2→4→6 already implies", () => {
    const t = topo(["*30", "40"], [["40", "30"]]);
    const table = taskTableFor(t, onlyGroup(t));
    const redundant: string[] = [];
    let necessary = 0;
    for (let to = 0; to < table.count; to++)
      for (let i = table.mandatory.start[to]; i < table.mandatory.start[to + 1]; i++) {
        const from = table.mandatory.pred[i];
        const rest = withoutEdge(table.mandatory, from, to);
        if (reaches(rest, from, to)) {
          redundant.push(`${table.ids[from]} -> ${table.ids[to]}`);
          continue;
        }
        // Without this edge some order breaks a link or makes a node reject a request.
        const { failure } = exploreOrders(table, rest);
        expect(failure, `${table.ids[from]} -> ${table.ids[to]}`).not.toBeNull();
        necessary++;
      }
    expect(redundant).toEqual(["store-root:40 -> replace-root:40"]);
    expect(necessary).toBe(8);
  });
});

describe("every order respecting the mandatory constraints authenticates (exhaustive over states)", () => {
  it.each(CATALOG)("%s", (_name, build) => {
    const t = build();
    const modes = modesOf(t);
    expect(modes).toContain("stepwise");
    for (const mode of modes) {
      const r = planUpdate(t, { mode });
      if (!r.ok) throw new Error("unreachable");
      for (const g of r.plan.groups) {
        const table = taskTableFor(t, g);
        const { failure, states } = exploreOrders(table, table.mandatory);
        expect(failure, `${mode} ${g.group}: ${JSON.stringify(failure)}`).toBeNull();
        expect(states).toBeGreaterThan(table.count);
      }
    }
  });

  it("random topologies of up to 5 nodes, both modes", () => {
    fc.assert(
      fc.property(arbTopology(5, 6, 2), (t) => {
        for (const mode of modesOf(t)) {
          const r = planUpdate(t, { mode });
          if (!r.ok) continue;
          for (const g of r.plan.groups) {
            const table = taskTableFor(t, g);
            expect(exploreOrders(table, table.mandatory).failure).toBeNull();
          }
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe("the mandatory constraints are necessary", () => {
  it("dropping any non-implied mandatory edge lets some order fail (catalog and random topologies)", () => {
    const check = (t: Topology) => {
      for (const mode of modesOf(t)) {
        const r = planUpdate(t, { mode });
        if (!r.ok) continue;
        for (const g of r.plan.groups) {
          const table = taskTableFor(t, g);
          for (let to = 0; to < table.count; to++)
            for (let i = table.mandatory.start[to]; i < table.mandatory.start[to + 1]; i++) {
              const from = table.mandatory.pred[i];
              const rest = withoutEdge(table.mandatory, from, to);
              if (reaches(rest, from, to)) continue;
              expect(exploreOrders(table, rest).failure, `${mode}: ${table.ids[from]} -> ${table.ids[to]}`).not.toBeNull();
            }
        }
      }
    };
    for (const [, build] of CATALOG) check(build());
    fc.assert(fc.property(arbTopology(4, 5, 1), (t) => check(t)), { numRuns: 30 });
  });

  it("preferred edges are not needed for authentication: ignoring R3 only costs a fall-back", () => {
    const t = topo(["*30", "40-1", "40-2"], [["40-1", "30"], ["40-2", "30"]]);
    const g = onlyGroup(t);
    const table = taskTableFor(t, g);
    // exploreOrders uses the mandatory edges only, so orders violating R3 are among those explored.
    expect(exploreOrders(table, table.mandatory).failure).toBeNull();
    expect(g.tasks.filter((x) => x.preferredAfter.length > 0).map((x) => x.id)).toEqual(["store-cert:40-1", "store-cert:40-2"]);
  });
});
