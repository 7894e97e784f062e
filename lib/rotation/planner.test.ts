import { describe, expect, it } from "vitest";
import { planUpdate } from "./planner";
import { edgesOf, onlyGroup, plan, seedEdges, topo } from "../test/rotation";

/*
 * Seed numbering (seed 002, FIG. 6-13, checked against the text):
 *   S = create-root; 1 = store-root(server 30); 2 = store-root(client 40); 3 = store-cert(client 40);
 *   4 = store-cert(server 30); 5 = replace-root(server 30) — "root key certificate updating
 *   processing in the server apparatus"; 6 = replace-root(client 40).
 * So SPEC R4 (replace-root(s) after store-root(s), store-cert(c)) is "1→5, 3→5" and
 * R5 (replace-root(c) after store-root(c), store-cert(s)) is "2→6, 4→6".
 * With the CA reaching the client (FIG. 17-23) the same processing is numbered 11..16.
 * Several clients/servers get a suffix: 2-i is store-root(40-i), 4-i store-cert(30-i), etc.
 */
const PAIR = { S: "create-root", "1": "store-root:30", "2": "store-root:40", "3": "store-cert:40", "4": "store-cert:30", "5": "replace-root:30", "6": "replace-root:40" };
const FIG13_MANDATORY = ["S->1", "S->2", "2->3", "1->4", "2->4", "1->5", "3->5", "2->6", "4->6"];

describe("seed examples: exact constraint sets", () => {
  it("FIG. 13 — single pair, CA reaches the server", () => {
    const g = onlyGroup(topo(["*30", "40"], [["40", "30"]]));
    expect(edgesOf(g).mandatory).toEqual(seedEdges(PAIR, FIG13_MANDATORY));
    expect(edgesOf(g).preferred).toEqual(seedEdges(PAIR, ["1->3"]));
    expect(g.tasks.map((t) => t.id).sort()).toEqual(Object.values(PAIR).sort());
    const routes = Object.fromEntries(g.tasks.map((t) => [t.id, t.route]));
    expect(routes["create-root"]).toEqual([]);
    expect(routes["store-root:30"]).toEqual(["30"]);
    expect(routes["store-root:40"]).toEqual(["30", "40"]);
    expect(g.tasks.find((t) => t.id === "store-cert:40")!.hops).toEqual([{ from: "30", to: "40", delivery: "poll", linkIndex: 0 }]);
  });

  it("FIG. 23 — single pair, CA reaches the client: same graph (11..16), pushed to the server", () => {
    const names = { S: "create-root", "11": PAIR["1"], "12": PAIR["2"], "13": PAIR["3"], "14": PAIR["4"], "15": PAIR["5"], "16": PAIR["6"] };
    const g = onlyGroup(topo(["30", "*40"], [["40", "30"]]));
    expect(edgesOf(g).mandatory).toEqual(
      seedEdges(names, ["S->11", "S->12", "12->13", "11->14", "12->14", "11->15", "13->15", "12->16", "14->16"]),
    );
    expect(edgesOf(g).preferred).toEqual(seedEdges(names, ["11->13"]));
    const t = g.tasks.find((x) => x.id === "store-cert:30")!;
    expect(t.route).toEqual(["40", "30"]);
    expect(t.hops).toEqual([{ from: "40", to: "30", delivery: "push", linkIndex: 0 }]);
  });

  it("bundled single pair — T, 21, 22, 23: exactly 3 requests from the CA", () => {
    const names = { T: "create-root-bundle", "21": "bundle:40", "22": "bundle:30", "23": "discard-old:40" };
    const g = onlyGroup(topo(["*30", "40"], [["40", "30"]]), { mode: "bundled" });
    expect(edgesOf(g).mandatory).toEqual(seedEdges(names, ["T->21", "21->22", "22->23"]));
    expect(edgesOf(g).preferred).toEqual([]);
    expect(g.order).toEqual(["create-root-bundle", "bundle:40", "bundle:30", "discard-old:40"]);
    expect(g.requests).toEqual([["bundle:40"], ["bundle:30"], ["discard-old:40"]]);
    expect(g.tasks.find((t) => t.kind === "create-root-bundle")!.request).toBeNull();
  });

  const fig35 = () => topo(["*30", "40-1", "40-2", "40-3"], [["40-1", "30"], ["40-2", "30"], ["40-3", "30"]]);
  const fig35Names: Record<string, string> = { S: "create-root", "1": "store-root:30", "4": "store-cert:30", "5": "replace-root:30" };
  for (const i of [1, 2, 3]) {
    fig35Names[`2-${i}`] = `store-root:40-${i}`;
    fig35Names[`3-${i}`] = `store-cert:40-${i}`;
    fig35Names[`6-${i}`] = `replace-root:40-${i}`;
  }

  it("FIG. 35 — server 30 with clients 40-1..40-n", () => {
    const g = onlyGroup(fig35());
    const expected = ["S->1", "1->4", "1->5", "4->6-1", "4->6-2", "4->6-3"];
    for (const i of [1, 2, 3]) expected.push(`S->2-${i}`, `2-${i}->3-${i}`, `2-${i}->4`, `3-${i}->5`, `2-${i}->6-${i}`);
    expect(edgesOf(g).mandatory).toEqual(seedEdges(fig35Names, expected));
    expect(edgesOf(g).preferred).toEqual(seedEdges(fig35Names, ["1->3-1", "1->3-2", "1->3-3"]));
  });

  it("FIG. 36 — phased: all store-root → client store-cert → server store-cert → all replace-root", () => {
    const g = onlyGroup(fig35(), { schedule: "phased" });
    const phases = new Map<number, string[]>();
    for (const t of g.tasks) phases.set(t.phase, [...(phases.get(t.phase) ?? []), t.id]);
    expect([...phases.entries()].sort((a, b) => a[0] - b[0]).map(([, ids]) => ids.sort())).toEqual([
      ["create-root"],
      ["store-root:30", "store-root:40-1", "store-root:40-2", "store-root:40-3"],
      ["store-cert:40-1", "store-cert:40-2", "store-cert:40-3"],
      ["store-cert:30"],
      ["replace-root:30", "replace-root:40-1", "replace-root:40-2", "replace-root:40-3"],
    ]);
    expect(g.order).toEqual(g.tasks.map((t) => t.id));
    expect(g.requests.length).toBe(12); // every task but create-root is one request
  });

  it("FIG. 37 — linear: S, 1, 2-1..2-n, 3-1..3-n, 4, then 5 and 6-i", () => {
    const g = onlyGroup(fig35(), { schedule: "linear" });
    expect(g.order).toEqual([
      "create-root",
      "store-root:30",
      "store-root:40-1",
      "store-root:40-2",
      "store-root:40-3",
      "store-cert:40-1",
      "store-cert:40-2",
      "store-cert:40-3",
      "store-cert:30",
      "replace-root:30",
      "replace-root:40-1",
      "replace-root:40-2",
      "replace-root:40-3",
    ]);
    // Scheduling never changes the constraints.
    expect(edgesOf(g)).toEqual(edgesOf(onlyGroup(fig35())));
  });

  it("FIG. 37 with 2′ — a client's store-root and store-cert travel in one request", () => {
    const g = onlyGroup(fig35(), { schedule: "linear", mergeClientSteps: true });
    expect(g.requests).toEqual([
      ["store-root:30"],
      ["store-root:40-1", "store-cert:40-1"],
      ["store-root:40-2", "store-cert:40-2"],
      ["store-root:40-3", "store-cert:40-3"],
      ["store-cert:30"],
      ["replace-root:30"],
      ["replace-root:40-1"],
      ["replace-root:40-2"],
      ["replace-root:40-3"],
    ]);
    const byId = new Map(g.tasks.map((t) => [t.id, t]));
    expect(byId.get("store-root:40-2")!.request).toBe(byId.get("store-cert:40-2")!.request);
    expect(byId.get("store-root:40-2")!.phase).toBe(byId.get("store-cert:40-2")!.phase);
  });

  it("2′ with the minimal schedule: the merged pair waits for the server's store-root", () => {
    const g = onlyGroup(topo(["*30", "40"], [["40", "30"]]), { mergeClientSteps: true });
    expect(g.order).toEqual(["create-root", "store-root:30", "store-root:40", "store-cert:40", "store-cert:30", "replace-root:30", "replace-root:40"]);
    expect(g.requests).toEqual([["store-root:30"], ["store-root:40", "store-cert:40"], ["store-cert:30"], ["replace-root:30"], ["replace-root:40"]]);
  });

  it("FIG. 42 — one client 40 with servers 30-1..30-n, CA reaches the client", () => {
    const names: Record<string, string> = { S: "create-root", "12": "store-root:40", "13": "store-cert:40", "16": "replace-root:40" };
    const expected = ["S->12", "12->13", "12->16"];
    const preferred: string[] = [];
    for (const i of [1, 2, 3]) {
      Object.assign(names, { [`11-${i}`]: `store-root:30-${i}`, [`14-${i}`]: `store-cert:30-${i}`, [`15-${i}`]: `replace-root:30-${i}` });
      expected.push(`S->11-${i}`, `11-${i}->14-${i}`, `12->14-${i}`, `11-${i}->15-${i}`, `13->15-${i}`, `14-${i}->16`);
      preferred.push(`11-${i}->13`);
    }
    const g = onlyGroup(topo(["*40", "30-1", "30-2", "30-3"], [["40", "30-1"], ["40", "30-2"], ["40", "30-3"]]));
    expect(edgesOf(g).mandatory).toEqual(seedEdges(names, expected));
    expect(edgesOf(g).preferred).toEqual(seedEdges(names, preferred));
    expect(g.tasks.find((t) => t.id === "store-cert:30-2")!.hops).toEqual([{ from: "40", to: "30-2", delivery: "push", linkIndex: 1 }]);
  });

  it("FIG. 43 — bundled, one server and n clients: T → 21-i → 22 → 23-i", () => {
    const names: Record<string, string> = { T: "create-root-bundle", "22": "bundle:30" };
    const expected: string[] = [];
    for (const i of [1, 2, 3]) {
      Object.assign(names, { [`21-${i}`]: `bundle:40-${i}`, [`23-${i}`]: `discard-old:40-${i}` });
      expected.push(`T->21-${i}`, `21-${i}->22`, `22->23-${i}`);
    }
    const g = onlyGroup(fig35(), { mode: "bundled", schedule: "phased" });
    expect(edgesOf(g).mandatory).toEqual(seedEdges(names, expected));
    expect(g.order).toEqual(["create-root-bundle", "bundle:40-1", "bundle:40-2", "bundle:40-3", "bundle:30", "discard-old:40-1", "discard-old:40-2", "discard-old:40-3"]);
    expect(g.requests.length).toBe(7);
  });

  it("FIG. 44 — bundled, one client 40 and n servers: T → 31 → 22-i → 23", () => {
    const names: Record<string, string> = { T: "create-root-bundle", "31": "bundle:40", "23": "discard-old:40" };
    const expected = ["T->31"];
    for (const i of [1, 2, 3]) {
      names[`22-${i}`] = `bundle:30-${i}`;
      expected.push(`31->22-${i}`, `22-${i}->23`);
    }
    const g = onlyGroup(topo(["*40", "30-1", "30-2", "30-3"], [["40", "30-1"], ["40", "30-2"], ["40", "30-3"]]), { mode: "bundled" });
    expect(edgesOf(g).mandatory).toEqual(seedEdges(names, expected));
    expect(g.order).toEqual(["create-root-bundle", "bundle:40", "bundle:30-1", "bundle:30-2", "bundle:30-3", "discard-old:40"]);
  });

  it("FIG. 45 — two subsystems under one root key: two independent task graphs joined only by create-root", () => {
    const g = onlyGroup(
      topo(["*30-1", "*30-2", "40-1", "40-2", "40-3", "40-4", "40-5"], [["40-1", "30-1"], ["40-2", "30-1"], ["40-3", "30-1"], ["40-4", "30-2"], ["40-5", "30-2"]]),
    );
    const sys1 = new Set(["30-1", "40-1", "40-2", "40-3"]);
    const side = (id: string) => (sys1.has(id.split(":")[1]) ? 1 : 2);
    for (const t of g.tasks) {
      if (t.kind === "create-root") continue;
      for (const p of [...t.after, ...t.preferredAfter]) if (p !== "create-root") expect(side(p), `${p} -> ${t.id}`).toBe(side(t.id));
    }
    // Each subsystem's own graph is FIG. 35 with its clients.
    const sub = onlyGroup(topo(["*30-2", "40-4", "40-5"], [["40-4", "30-2"], ["40-5", "30-2"]]));
    const restricted = edgesOf(g).mandatory.filter((e) => e.split(" -> ").every((id) => id === "create-root" || side(id) === 2));
    expect(restricted).toEqual(edgesOf(sub).mandatory);
  });

  it("FIG. 46 — 40-3 is a client of 30-1 and 30-2: 4-1 and 4-2 both wait for 2-3; nothing links 30-1 and 40-4", () => {
    const names: Record<string, string> = { S: "create-root" };
    for (const s of [1, 2]) Object.assign(names, { [`1-${s}`]: `store-root:30-${s}`, [`4-${s}`]: `store-cert:30-${s}`, [`5-${s}`]: `replace-root:30-${s}` });
    for (const c of [1, 2, 3, 4, 5]) Object.assign(names, { [`2-${c}`]: `store-root:40-${c}`, [`3-${c}`]: `store-cert:40-${c}`, [`6-${c}`]: `replace-root:40-${c}` });
    const clientsOf: Record<number, number[]> = { 1: [1, 2, 3], 2: [3, 4, 5] };
    const expected = ["S->1-1", "S->1-2", "S->2-1", "S->2-2", "S->2-3", "S->2-4", "S->2-5"];
    const preferred: string[] = [];
    for (const c of [1, 2, 3, 4, 5]) expected.push(`2-${c}->3-${c}`, `2-${c}->6-${c}`);
    for (const s of [1, 2]) {
      expected.push(`1-${s}->4-${s}`, `1-${s}->5-${s}`);
      for (const c of clientsOf[s]) {
        expected.push(`2-${c}->4-${s}`, `3-${c}->5-${s}`, `4-${s}->6-${c}`);
        preferred.push(`1-${s}->3-${c}`);
      }
    }
    const links: [string, string][] = [];
    for (const s of [1, 2]) for (const c of clientsOf[s]) links.push([`40-${c}`, `30-${s}`]);
    const g = onlyGroup(topo(["*30-1", "*30-2", "40-1", "40-2", "40-3", "40-4", "40-5"], links));
    const edges = edgesOf(g);
    expect(edges.mandatory).toEqual(seedEdges(names, expected));
    expect(edges.preferred).toEqual(seedEdges(names, preferred));
    expect(edges.mandatory).toContain("store-root:40-3 -> store-cert:30-1");
    expect(edges.mandatory).toContain("store-root:40-3 -> store-cert:30-2");
    for (const e of [...edges.mandatory, ...edges.preferred]) expect(e.includes(":30-1") && e.includes(":40-4"), e).toBe(false);
  });
});

describe("one-way links, multi-role nodes, groups", () => {
  it("one-way pair (FIG. 52/59): S → client store-root → server store-cert → client replace-root, nothing else", () => {
    const g = onlyGroup(topo(["*30", "40"], [["40", "30", undefined, "one-way"]]));
    expect(g.order).toEqual(["create-root", "store-root:40", "store-cert:30", "replace-root:40"]);
    expect(edgesOf(g).mandatory).toEqual(
      // R5 keeps its "after store-root(c)" part even though store-cert:30 implies it (as 2→6 in FIG. 13).
      ["create-root -> store-root:40", "store-root:40 -> store-cert:30", "store-cert:30 -> replace-root:40", "store-root:40 -> replace-root:40"].sort(),
    );
    expect(edgesOf(g).preferred).toEqual([]);
  });

  it("a one-way server that is also a mutual server gets roots for its mutual clients only", () => {
    const g = onlyGroup(topo(["*30", "40", "41"], [["40", "30", undefined, "one-way"], ["41", "30"]]));
    const e = edgesOf(g).mandatory;
    expect(g.tasks.map((t) => t.id).sort()).toEqual(
      ["create-root", "store-root:30", "store-root:40", "store-root:41", "store-cert:30", "store-cert:41", "replace-root:30", "replace-root:40", "replace-root:41"].sort(),
    );
    expect(e).toContain("store-cert:41 -> replace-root:30"); // R4 for the mutual client
    expect(e).toContain("store-root:40 -> store-cert:30"); // R1 for the one-way client
    expect(e.filter((x) => x.endsWith("replace-root:30"))).toEqual(["store-cert:41 -> replace-root:30", "store-root:30 -> replace-root:30"]);
  });

  it("multi-role chain 40 → 30 → 20: 30's store-cert also waits for store-root:20 (mandatory)", () => {
    const g = onlyGroup(topo(["*20", "30", "40"], [["40", "30"], ["30", "20"]]));
    const sc30 = g.tasks.find((t) => t.id === "store-cert:30")!;
    expect([...sc30.after].sort()).toEqual(["store-root:20", "store-root:30", "store-root:40"]);
    expect(sc30.preferredAfter).toEqual([]);
    expect(g.tasks.find((t) => t.id === "store-cert:40")!.preferredAfter).toEqual(["store-root:30"]);
    expect(edgesOf(g).mandatory).toEqual(
      [
        "create-root -> store-root:20",
        "create-root -> store-root:30",
        "create-root -> store-root:40",
        "store-root:20 -> store-cert:20",
        "store-root:30 -> store-cert:30",
        "store-root:40 -> store-cert:40",
        "store-root:20 -> replace-root:20",
        "store-root:30 -> replace-root:30",
        "store-root:40 -> replace-root:40",
        "store-root:40 -> store-cert:30",
        "store-root:30 -> store-cert:20",
        "store-root:20 -> store-cert:30",
        "store-cert:30 -> replace-root:40",
        "store-cert:20 -> replace-root:30",
        "store-cert:40 -> replace-root:30",
        "store-cert:30 -> replace-root:20",
      ].sort(),
    );
  });

  it("multi-role over a one-way link: no extra edge, since the server never verifies the client", () => {
    const g = onlyGroup(topo(["*20", "30", "40"], [["40", "30"], ["30", "20", undefined, "one-way"]]));
    expect([...g.tasks.find((t) => t.id === "store-cert:30")!.after].sort()).toEqual(["store-root:30", "store-root:40"]);
    // 20 only serves a one-way link: certificate only.
    expect(g.tasks.filter((t) => t.node === "20").map((t) => t.id)).toEqual(["store-cert:20"]);
    expect(g.tasks.find((t) => t.id === "store-cert:20")!.after).toEqual(["store-root:30"]);
  });

  it("two groups are planned independently; roles are per group", () => {
    const t = topo(["*30", "40", "50"], [["40", "30", "A"], ["30", "50", "B"]]);
    const [a, b] = plan(t);
    expect([a.group, b.group]).toEqual(["A", "B"]);
    expect(edgesOf(a).mandatory).toEqual(seedEdges(PAIR, FIG13_MANDATORY));
    // In B, 30 is only a client (may hold two certificates): R3 stays preferred.
    const namesB = { S: "create-root", "1": "store-root:50", "2": "store-root:30", "3": "store-cert:30", "4": "store-cert:50", "5": "replace-root:50", "6": "replace-root:30" };
    expect(edgesOf(b).mandatory).toEqual(seedEdges(namesB, FIG13_MANDATORY));
    expect(edgesOf(b).preferred).toEqual(seedEdges(namesB, ["1->3"]));
    // 50 is reached through 30 over the B link: 30 is its client, so it pushes.
    expect(b.tasks.find((x) => x.id === "store-cert:50")!.route).toEqual(["30", "50"]);
  });

  it("mandatory and preferred sets never overlap, and nothing joins nodes without a link", () => {
    const t = topo(["*a", "b", "c", "d", "e"], [["b", "a"], ["c", "b"], ["a", "c"], ["d", "a", undefined, "one-way"], ["e", "d"]]);
    for (const g of plan(t)) {
      const { mandatory, preferred } = edgesOf(g);
      expect(mandatory.filter((e) => preferred.includes(e))).toEqual([]);
      const linked = new Set(t.links.flatMap((l) => [`${l.client}|${l.server}`, `${l.server}|${l.client}`]));
      for (const e of [...mandatory, ...preferred]) {
        const [x, y] = e.split(" -> ").map((id) => id.split(":")[1]);
        if (x && y && x !== y) expect(linked.has(`${x}|${y}`), e).toBe(true);
      }
    }
  });
});

describe("bundled mode limits", () => {
  it("refuses a node that is a server and a mutual client, naming the node and link", () => {
    const r = planUpdate(topo(["*20", "30", "40"], [["40", "30"], ["30", "20"]]), { mode: "bundled" });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ group: "default", nodeId: "30", linkIndex: 1 });
    expect(r.errors[0].message).toMatch(/30 is also a server.*use stepwise mode/);
  });

  it("accepts a multi-role node whose client side is one-way, and keeps its old root until discard-old", () => {
    const g = onlyGroup(topo(["*20", "30", "40"], [["40", "30"], ["30", "20", undefined, "one-way"]]), { mode: "bundled" });
    expect(edgesOf(g).mandatory).toEqual(
      [
        "create-root-bundle -> bundle:40",
        "bundle:40 -> bundle:30",
        "bundle:30 -> discard-old:40",
        "bundle:30 -> bundle:20",
        "bundle:20 -> discard-old:30",
      ].sort(),
    );
    expect(g.order).toEqual(["create-root-bundle", "bundle:40", "bundle:30", "bundle:20", "discard-old:40", "discard-old:30"]);
  });

  it("refuses a cycle of one-way client → server links", () => {
    const r = planUpdate(topo(["*a", "b"], [["a", "b", undefined, "one-way"], ["b", "a", undefined, "one-way"]]), { mode: "bundled" });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0].message).toMatch(/cycle through a, b/);
  });
});
