import { describe, expect, it } from "vitest";
import { checkOrder, parseTopology, planUpdate, simulate, type GroupPlan, type Topology } from "@/lib/rotation";
import { describeCheck, formatRoute, layoutTaskGraph, moveStep } from "./procedure";
import { fig46, generateFleet } from "@/lib/topologies/samples";
import { SimCursor } from "./stepper";

function planned(doc: unknown, options = {}): { topology: Topology; group: GroupPlan } {
  const p = parseTopology(doc);
  if (!p.ok) throw new Error(JSON.stringify(p.errors));
  const r = planUpdate(p.topology, options);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return { topology: p.topology, group: r.plan.groups[0] };
}

describe("procedure view", () => {
  it("formats routes: direct, relayed by poll, relayed by push, and the CA's own task", () => {
    const { group } = planned({
      nodes: [{ id: "30", direct: true }, { id: "40" }, { id: "50" }],
      links: [{ client: "40", server: "30" }, { client: "40", server: "50" }],
    });
    const route = (id: string) => formatRoute(group.tasks.find((t) => t.id === id)!);
    expect(route("create-root")).toBe("CA (its own task)");
    expect(route("store-root:30")).toBe("CA → 30");
    expect(route("store-root:40")).toBe("CA → 30 → 40 (poll)");
    expect(route("store-root:50")).toBe("CA → 30 → 40 (poll) → 50 (push)");
  });

  it("lays the task graph out by phase with solid mandatory and dashed preferred edges", () => {
    const { group } = planned(fig46());
    const g = layoutTaskGraph(group);
    expect(g.nodes).toHaveLength(group.tasks.length);
    const x = new Map(g.nodes.map((n) => [n.id, n.x]));
    for (const e of g.edges) expect(x.get(e.from)!).toBeLessThan(x.get(e.to)!);
    expect(g.edges.filter((e) => e.preferred).map((e) => e.id)).toContain("store-root:30-2>>store-cert:40-3");
    expect(g.edges.find((e) => e.id === "store-root:40-3>store-cert:30-2")).toMatchObject({ preferred: false });
    // Centred: the single create-root sits level with the middle of the tallest column.
    const ys = g.nodes.filter((n) => n.task.phase === 1).map((n) => n.y);
    expect(g.nodes[0].y).toBeCloseTo((Math.min(...ys) + Math.max(...ys)) / 2);
    expect(layoutTaskGraph(group, false).nodes[0].y).toBe(0);
  });

  it("moving a server's store-cert above a client's store-root gives the checker's sentence", () => {
    const { topology, group } = planned(fig46(), { schedule: "phased" });
    const order = group.order;
    const moved = moveStep(order, order.indexOf("store-cert:30-1"), order.indexOf("store-root:40-3"));
    expect(moveStep(order, 2, 2)).toBe(order);
    const verdict = checkOrder(topology, group, moved);
    expect(describeCheck(verdict)).toMatch(/^step \d+ \(store-cert:30-1\): server 30-1 replaced its certificate before client 40-\d stored the new root$/);
    expect(describeCheck(checkOrder(topology, group, order))).toBe("every link authenticates at every step of this order");
  });
});

describe("SimCursor", () => {
  it("matches stateAt(k) after any sequence of jumps, forward and back", () => {
    const { topology, group } = planned(fig46());
    // A bad order, so links go fallback and broken and come back: reasons must be restored too.
    // 40-2 stores its certificate before 30-1 stores the root (fallback); 30-1 replaces its
    // certificate before 40-1 and 40-3 store the root (broken).
    const first = ["create-root", "store-root:40-2", "store-cert:40-2", "store-root:30-1", "store-cert:30-1"];
    const order = [...first, ...group.order.filter((t) => !first.includes(t))];
    const sim = simulate(topology, group, order);
    const statuses = new Set(sim.steps.flatMap((s) => s.links.map((l) => l.status)));
    expect([...statuses].sort()).toEqual(["broken", "fallback", "ok"]);
    const cursor = new SimCursor(sim);
    const heard = new Set<string>();
    for (const k of [5, 19, 3, 3, 12, 0, 19, 7, 1]) {
      heard.clear();
      const before = cursor.step;
      cursor.moveTo(k, { node: (id) => heard.add(id), link: (i) => heard.add(`#${i}`) });
      const expected = sim.stateAt(k);
      expect(Object.fromEntries(cursor.nodes)).toEqual({ ...expected.nodes });
      expect([...cursor.links.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v)).toEqual(expected.links.map(({ status, reason }) => (reason ? { status, reason } : { status })));
      expect(cursor.counts.broken).toBe(expected.links.filter((l) => l.status === "broken").length);
      if (before === k) expect(heard.size).toBe(0);
    }
  });

  it("crosses a 1,000-node plan in both directions quickly", () => {
    const { topology, group } = planned(generateFleet(1000));
    const sim = simulate(topology, group);
    const cursor = new SimCursor(sim);
    const started = performance.now();
    cursor.moveTo(sim.steps.length);
    cursor.moveTo(0);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(Object.fromEntries(cursor.nodes)).toEqual({ ...sim.stateAt(0).nodes });
  });
});
