import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkOrder } from "./checker";
import { buildGroupGraphs } from "./graph";
import type { GroupPlan, Mode, ScheduleName, Topology } from "./model";
import { planUpdate, taskTableFor } from "./planner";
import { GroupState, simulate } from "./simulator";
import { arbTopology } from "../test/rotation";

const MODES: Mode[] = ["stepwise", "bundled"];
const SCHEDULES: ScheduleName[] = ["minimal", "phased", "linear"];

/** Does the order respect every mandatory constraint of the plan? */
function respectsMandatory(g: GroupPlan, order: readonly string[]): boolean {
  const position = new Map(order.map((id, i) => [id, i]));
  return g.tasks.every((t) => t.after.every((p) => position.get(p)! < position.get(t.id)!));
}

/** Why bundled mode may refuse a group: a server that is a mutual client, or a client → server cycle. */
function bundledRefusalJustified(topology: Topology, group: string): boolean {
  const links = topology.links.filter((l) => l.group === group);
  const servers = new Set(links.map((l) => l.server));
  if (links.some((l) => l.auth === "mutual" && servers.has(l.client))) return true;
  // Cycle search over client → server edges.
  const next = new Map<string, string[]>();
  for (const l of links) next.set(l.client, [...(next.get(l.client) ?? []), l.server]);
  const state = new Map<string, number>();
  const visit = (v: string): boolean => {
    state.set(v, 1);
    for (const w of next.get(v) ?? []) {
      if (state.get(w) === 1) return true;
      if (!state.has(w) && visit(w)) return true;
    }
    state.set(v, 2);
    return false;
  };
  return [...next.keys()].some((v) => !state.has(v) && visit(v));
}

/** Random linearization of the mandatory constraints, driven by a seed. */
function randomLinearization(g: GroupPlan, seed: number): string[] {
  let x = seed >>> 0 || 1;
  const rand = () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const done = new Set<string>();
  const order: string[] = [];
  while (order.length < g.tasks.length) {
    const ready = g.tasks.filter((t) => !done.has(t.id) && t.after.every((p) => done.has(p)));
    const pick = ready[Math.floor(rand() * ready.length)];
    done.add(pick.id);
    order.push(pick.id);
  }
  return order;
}

describe("properties on random topologies (mutual and one-way links, multi-role nodes, several groups)", () => {
  it("every plan's own order honours its constraints, authenticates at every step and ends clean", () => {
    fc.assert(
      fc.property(arbTopology(9, 16, 3), (topology) => {
        for (const mode of MODES)
          for (const schedule of SCHEDULES)
            for (const mergeClientSteps of mode === "stepwise" ? [false, true] : [false]) {
              const r = planUpdate(topology, { mode, schedule, mergeClientSteps });
              if (!r.ok) {
                expect(mode).toBe("bundled");
                for (const e of r.errors) expect(bundledRefusalJustified(topology, e.group)).toBe(true);
                continue;
              }
              for (const g of r.plan.groups) {
                expect([...g.order].sort()).toEqual(g.tasks.map((t) => t.id).sort());
                expect(new Set(g.order).size).toBe(g.order.length);
                const position = new Map(g.order.map((id, i) => [id, i]));
                for (const t of g.tasks) for (const p of [...t.after, ...t.preferredAfter]) expect(position.get(p)!).toBeLessThan(position.get(t.id)!);
                expect(checkOrder(topology, g, g.order)).toEqual({ kind: "ok" });

                const sim = simulate(topology, g);
                expect(sim.firstFailure).toBeNull();
                // Stepwise schedules honour R3, so nobody even falls back.
                if (mode === "stepwise") for (const s of sim.steps) for (const l of s.links) expect(l.status).toBe("ok");
                const end = sim.stateAt(g.order.length);
                const graph = buildGroupGraphs(topology, g.group)[0];
                graph.nodeIds.forEach((id, v) => {
                  const expectedRoots = graph.needsRoots[v] || mode === "bundled" ? ["new"] : ["old"];
                  expect(end.nodes[id], id).toEqual({ roots: expectedRoots, certificates: graph.needsCert[v] ? ["new"] : [] });
                });
                // Requests: every node task exactly once; merged pairs are adjacent store-root + store-cert of one node.
                expect(g.requests.flat().sort()).toEqual(g.tasks.filter((t) => t.node !== null).map((t) => t.id).sort());
                for (const req of g.requests) {
                  if (req.length === 1) continue;
                  expect(mergeClientSteps).toBe(true);
                  const [a, b] = req;
                  expect([a.split(":")[0], b.split(":")[0], a.split(":")[1]]).toEqual(["store-root", "store-cert", b.split(":")[1]]);
                  expect(position.get(b)).toBe(position.get(a)! + 1);
                }
              }
            }
      }),
      { numRuns: 150 },
    );
  });

  it("the checker accepts an order exactly when it respects the mandatory constraints", () => {
    // Sufficiency on random linearizations; necessity on random permutations (which nearly always
    // break some constraint). The verdict itself comes from the simulator, not from the edges.
    fc.assert(
      fc.property(arbTopology(7, 10, 2), fc.constantFrom<Mode>(...MODES), fc.integer(), fc.integer(), (topology, mode, seed1, seed2) => {
        const r = planUpdate(topology, { mode });
        fc.pre(r.ok);
        if (!r.ok) return;
        for (const g of r.plan.groups) {
          const linear = randomLinearization(g, seed1);
          expect(checkOrder(topology, g, linear)).toEqual({ kind: "ok" });
          const shuffled = [...g.order];
          let x = seed2 >>> 0 || 7;
          for (let i = shuffled.length - 1; i > 0; i--) {
            x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
            const j = x % (i + 1);
            [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
          }
          expect(checkOrder(topology, g, shuffled).kind === "ok").toBe(respectsMandatory(g, shuffled));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("incremental link evaluation equals evaluating every link from scratch after every step", () => {
    fc.assert(
      fc.property(arbTopology(8, 14, 2), fc.constantFrom<Mode>(...MODES), fc.integer(), (topology, mode, seed) => {
        const r = planUpdate(topology, { mode });
        fc.pre(r.ok);
        if (!r.ok) return;
        for (const g of r.plan.groups) {
          const table = taskTableFor(topology, g);
          const index = new Map(table.ids.map((id, t) => [id, t]));
          // Any order, valid or not: the bookkeeping must hold regardless.
          const order = [...g.order].sort((a, b) => ((a.length * 31 + seed) % 7) - ((b.length * 17 + seed) % 7));
          const state = new GroupState(table);
          for (const id of order) {
            state.apply(index.get(id)!);
            for (let l = 0; l < state.code.length; l++) expect(state.code[l]).toBe(state.evaluate(l));
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});
