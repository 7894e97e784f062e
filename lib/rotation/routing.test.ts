import { describe, expect, it } from "vitest";
import type { Topology } from "./model";
import { computeRoutes } from "./routing";
import { topo } from "../test/rotation";

describe("computeRoutes", () => {
  it("relays one hop: server → client by poll, client → server by push", () => {
    const r = computeRoutes(topo(["*30", "40"], [["40", "30"]]));
    expect(r.route("30")).toEqual(["30"]);
    expect(r.hops("30")).toEqual([]);
    expect(r.route("40")).toEqual(["30", "40"]);
    expect(r.hops("40")).toEqual([{ from: "30", to: "40", delivery: "poll", linkIndex: 0 }]);
    const back = computeRoutes(topo(["30", "*40"], [["40", "30"]]));
    expect(back.hops("30")).toEqual([{ from: "40", to: "30", delivery: "push", linkIndex: 0 }]);
  });

  it("finds the shortest path of any length, across groups", () => {
    // a (direct) ← b ← c ← d in group G, and a shortcut d → a in group H.
    const t = topo(["*a", "b", "c", "d", "e"], [["b", "a", "G"], ["c", "b", "G"], ["d", "c", "G"], ["e", "d", "G"]]);
    const r = computeRoutes(t);
    expect(r.route("e")).toEqual(["a", "b", "c", "d", "e"]);
    expect(r.distance("e")).toBe(4);
    expect(r.hops("e").map((h) => h.delivery)).toEqual(["poll", "poll", "poll", "poll"]);
    const shortcut = computeRoutes(topo(["*a", "b", "c", "d", "e"], [["b", "a", "G"], ["c", "b", "G"], ["d", "c", "G"], ["e", "d", "G"], ["d", "a", "H"]]));
    expect(shortcut.route("e")).toEqual(["a", "d", "e"]);
    expect(shortcut.hops("e")[0]).toEqual({ from: "a", to: "d", delivery: "poll", linkIndex: 4 });
  });

  it("prefers a push hop among equally short routes", () => {
    // t is two hops away either via p (p is t's server: poll) or via q (q is t's client: push).
    const t = topo(["*s", "p", "q", "t"], [["p", "s"], ["q", "s"], ["t", "p"], ["q", "t"]]);
    const r = computeRoutes(t);
    expect(r.route("t")).toEqual(["s", "q", "t"]);
    expect(r.hops("t")[1]).toEqual({ from: "q", to: "t", delivery: "push", linkIndex: 3 });
  });

  it("uses one-way links only from server to client", () => {
    const t = topo(["*s", "c", "d"], [["c", "s", undefined, "one-way"], ["c", "d"]]);
    const r = computeRoutes(t);
    expect(r.route("c")).toEqual(["s", "c"]);
    expect(r.route("d")).toEqual(["s", "c", "d"]);
    expect(r.hops("d")[1].delivery).toBe("push");
    const blocked: Topology = { nodes: [{ id: "c", direct: true, acceptsConnections: false }, { id: "s", direct: false, acceptsConnections: true }], links: [{ index: 0, client: "c", server: "s", group: "g", auth: "one-way" }] };
    expect(computeRoutes(blocked).unreachable).toEqual(["s"]);
    expect(computeRoutes(blocked).route("s")).toEqual([]);
  });

  it("handles long relay chains without recursion (100k hops)", () => {
    const n = 100_000;
    const nodes = Array.from({ length: n }, (_, i) => ({ id: `n${i}`, direct: i === 0, acceptsConnections: true }));
    const links = Array.from({ length: n - 1 }, (_, i) => ({ index: i, client: `n${i + 1}`, server: `n${i}`, group: "g", auth: "mutual" as const }));
    const r = computeRoutes({ nodes, links });
    expect(r.distance(`n${n - 1}`)).toBe(n - 1);
    const route = r.route(`n${n - 1}`);
    expect(route.length).toBe(n);
    expect(route[0]).toBe("n0");
    expect(route[n - 1]).toBe(`n${n - 1}`);
    expect(r.unreachable).toEqual([]);
  });

  it("returns an empty route for unknown ids", () => {
    const r = computeRoutes(topo(["*a"], []));
    expect(r.route("nope")).toEqual([]);
    expect(r.distance("nope")).toBe(-1);
  });
});
