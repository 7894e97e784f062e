import { describe, expect, it } from "vitest";
import type { NodeStore } from "./model";
import { simulate, type SimState } from "./simulator";
import { onlyGroup, topo } from "../test/rotation";

const pair = () => topo(["*30", "40"], [["40", "30"]]);
const store = (roots: NodeStore["roots"], certificates: NodeStore["certificates"]): NodeStore => ({ roots, certificates });
const statuses = (s: SimState) => s.links.map((l) => l.status);

describe("simulate", () => {
  it("FIG. 13 plan order: every store change, and the link authenticates at every step", () => {
    const t = pair();
    const g = onlyGroup(t);
    const sim = simulate(t, g);
    expect(sim.firstFailure).toBeNull();
    expect(sim.stateAt(0)).toEqual({
      step: 0,
      created: false,
      nodes: { "30": store(["old"], ["old"]), "40": store(["old"], ["old"]) },
      links: [{ index: 0, client: "40", server: "30", group: "default", status: "ok" }],
    });
    expect(sim.steps.map((s) => [s.task, s.store?.after ?? null])).toEqual([
      ["create-root", null],
      ["store-root:30", store(["old", "distribution"], ["old"])],
      ["store-root:40", store(["old", "distribution"], ["old"])],
      ["store-cert:30", store(["old", "distribution"], ["new"])], // a server replaces its only certificate
      ["store-cert:40", store(["old", "distribution"], ["old", "new"])], // a client keeps both
      ["replace-root:30", store(["new"], ["new"])],
      ["replace-root:40", store(["new"], ["new"])], // and drops the old one with the old root
    ]);
    for (let k = 0; k <= 7; k++) expect(statuses(sim.stateAt(k))).toEqual(["ok"]);
    expect(sim.steps.every((s) => s.links.length === 0)).toBe(true);
  });

  it("ignoring R3 costs a fall-back, not authentication, and the diff says why", () => {
    const t = pair();
    const sim = simulate(t, onlyGroup(t), ["create-root", "store-root:40", "store-cert:40", "store-root:30"]);
    expect(sim.firstFailure).toBeNull();
    expect(sim.steps[2].links).toEqual([
      {
        index: 0,
        client: "40",
        server: "30",
        group: "default",
        status: "fallback",
        previous: "ok",
        reason: "client 40 presents its new certificate, which server 30 cannot verify before it stores the new root; the client falls back to its old certificate",
      },
    ]);
    expect(sim.steps[3].links).toEqual([{ index: 0, client: "40", server: "30", group: "default", status: "ok", previous: "fallback" }]);
    expect(statuses(sim.stateAt(3))).toEqual(["fallback"]);
  });

  it("records a broken link, goes on, and keeps a rejected request from changing the store", () => {
    const t = pair();
    const sim = simulate(t, onlyGroup(t), ["create-root", "store-root:30", "store-cert:30", "store-cert:40", "store-root:40"]);
    expect(sim.firstFailure).toEqual({
      step: 3,
      task: "store-cert:30",
      failure: "authentication",
      link: { index: 0, client: "40", server: "30", group: "default" },
      reason: "server 30 replaced its certificate before client 40 stored the new root",
    });
    // store-cert:40 before store-root:40: 40 cannot verify its new certificate and rejects it.
    expect(sim.steps[3].failure).toMatchObject({ step: 4, failure: "verification", link: null, reason: expect.stringContaining("node 40 cannot verify its new certificate") });
    expect(sim.steps[3].store).toBeUndefined();
    expect(sim.stateAt(4).nodes["40"]).toEqual(store(["old"], ["old"]));
    // Storing the root later repairs the link.
    expect(sim.steps[4].links.map((l) => l.status)).toEqual(["ok"]);
  });

  it("refuses every task before create-root", () => {
    const t = pair();
    const sim = simulate(t, onlyGroup(t), ["store-root:30"]);
    expect(sim.firstFailure?.reason).toBe("store-root:30 ran before create-root: the new root key does not exist yet");
  });

  it("one-way pair: the client's roots and the server's certificate change, nothing else", () => {
    const t = topo(["*30", "40"], [["40", "30", undefined, "one-way"]]);
    const g = onlyGroup(t);
    const sim = simulate(t, g);
    expect(sim.firstFailure).toBeNull();
    const end = sim.stateAt(g.order.length);
    // 40 has no certificate in this group; 30 verifies no one, so its root stays as it was.
    expect(end.nodes).toEqual({ "30": store(["old"], ["new"]), "40": store(["new"], []) });
    expect(sim.stateAt(0).nodes["40"]).toEqual(store(["old"], []));
  });

  it("bundled pair: fall-back after the client's bundle (the mode's accepted overhead), clean at the end", () => {
    const t = pair();
    const g = onlyGroup(t, { mode: "bundled" });
    const sim = simulate(t, g);
    expect(sim.firstFailure).toBeNull();
    expect(sim.steps.map((s) => statuses(sim.stateAt(s.step))[0])).toEqual(["ok", "fallback", "ok", "ok"]);
    expect(sim.steps[1].store?.after).toEqual(store(["old", "distribution", "new"], ["old", "new"]));
    expect(sim.steps[2].store?.after).toEqual(store(["new"], ["new"]));
    expect(sim.stateAt(4).nodes).toEqual({ "30": store(["new"], ["new"]), "40": store(["new"], ["new"]) });
  });

  it("bundled: discarding before the server's bundle breaks the link", () => {
    const t = pair();
    const sim = simulate(t, onlyGroup(t, { mode: "bundled" }), ["create-root-bundle", "bundle:40", "discard-old:40", "bundle:30"]);
    expect(sim.firstFailure).toMatchObject({ step: 3, task: "discard-old:40", reason: "client 40 deleted the old root before server 30 stored its new certificate" });
  });

  it("stateAt(k) equals the initial state with the first k diffs applied", () => {
    const t = topo(["*30", "40-1", "40-2", "20"], [["40-1", "30"], ["40-2", "30"], ["30", "20"]]);
    const g = onlyGroup(t, { schedule: "phased" });
    const sim = simulate(t, g);
    let state = sim.stateAt(0);
    for (const diff of sim.steps) {
      const nodes = { ...state.nodes };
      if (diff.node && diff.store) {
        expect(nodes[diff.node]).toEqual(diff.store.before);
        nodes[diff.node] = diff.store.after;
      }
      const links = state.links.map((l) => {
        const change = diff.links.find((c) => c.index === l.index);
        if (!change) return l;
        const { previous, ...next } = change;
        expect(previous).toBe(l.status);
        return next;
      });
      state = { step: diff.step, created: state.created || diff.task === "create-root", nodes, links };
      expect(sim.stateAt(diff.step)).toEqual(state);
    }
    expect(() => sim.stateAt(g.order.length + 1)).toThrow(RangeError);
  });

  it("works from a plan read back from JSON, allows a prefix, refuses unknown or repeated ids", () => {
    const t = pair();
    const fromJson = { group: "default", mode: "stepwise" as const };
    expect(simulate(t, fromJson, ["create-root", "store-root:30"]).steps).toHaveLength(2);
    expect(() => simulate(t, fromJson, ["create-root", "store-root:99"])).toThrow('unknown task "store-root:99"');
    expect(() => simulate(t, fromJson, ["create-root", "create-root"])).toThrow(`task "create-root" is repeated (first at step 1)`);
    expect(() => simulate(t, { group: "nope", mode: "stepwise" }, [])).toThrow('no link in group "nope"');
  });
});
