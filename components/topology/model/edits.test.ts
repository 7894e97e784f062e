import { describe, expect, it } from "vitest";
import { parseTopology } from "@/lib/rotation";
import type { TopologyDocument } from "@/lib/topologies/document";
import { addLink, addNode, deleteElements, moveNodes, nextNodeId, updateLink, updateNode } from "./edits";
import { commit, HISTORY_LIMIT, redo, startHistory, undo } from "./history";
import { autoLayout, needsLayout, NODE_HEIGHT, NODE_WIDTH } from "./layout";
import { fig46, generateFleet } from "@/lib/topologies/samples";

function must(r: { ok: true; doc: TopologyDocument } | { ok: false; error: string }): TopologyDocument {
  if (!r.ok) throw new Error(r.error);
  return r.doc;
}

describe("edits", () => {
  it("builds FIG. 46 by adding nodes and links, as the editor does", () => {
    let doc: TopologyDocument = { nodes: [], links: [] };
    for (const id of ["30-1", "30-2", "40-1", "40-2", "40-3", "40-4"]) doc = addNode(doc, { id, x: 0, y: 0, direct: id.startsWith("30") }).doc;
    for (const [c, s] of [["40-1", "30-1"], ["40-2", "30-1"], ["40-3", "30-1"], ["40-3", "30-2"], ["40-4", "30-2"]]) doc = must(addLink(doc, c, s));
    // Drawing a link to a node gives it a server function.
    expect(doc.nodes.filter((n) => n.acceptsConnections).map((n) => n.id)).toEqual(["30-1", "30-2"]);
    expect(moveNodes(doc, new Map())).toBe(doc);
    const stripped = { ...doc, nodes: doc.nodes.map(({ x: _x, y: _y, ...n }) => n) };
    expect(stripped).toEqual(fig46());
  });

  it("refuses a self-link, a duplicate link and a link to nothing, but allows the same pair in another group", () => {
    const doc = fig46();
    expect(addLink(doc, "40-1", "40-1")).toEqual({ ok: false, error: 'node "40-1" cannot be a client of itself' });
    expect(addLink(doc, "40-1", "30-1")).toMatchObject({ ok: false, error: '40-1 is already a client of 30-1 in group "default"' });
    expect(addLink(doc, "40-1", "99")).toMatchObject({ ok: false });
    expect(must(addLink(doc, "40-1", "30-1", "meters")).links).toHaveLength(6);
    expect(updateLink(must(addLink(doc, "40-1", "30-1", "meters")), 5, { group: "default" })).toMatchObject({ ok: false, error: 'another link already connects 40-1 → 30-1 in group "default"' });
    expect(updateLink(doc, 0, { group: " " })).toMatchObject({ ok: false });
    expect(must(updateLink(doc, 0, { auth: "one-way" })).links[0]).toEqual({ client: "40-1", server: "30-1", group: "default", auth: "one-way" });
  });

  it("renames a node in its links, refuses a taken or empty id, and shares what it did not change", () => {
    const doc = fig46();
    const renamed = must(updateNode(doc, "40-3", { id: "meter-3", label: "Meter 3" }));
    expect(renamed.links.filter((l) => l.client === "meter-3")).toHaveLength(2);
    expect(renamed.nodes[4]).toEqual({ id: "meter-3", direct: false, label: "Meter 3", acceptsConnections: false });
    expect(renamed.nodes[0]).toBe(doc.nodes[0]);
    expect(renamed.links[0]).toBe(doc.links[0]);
    expect(updateNode(doc, "40-3", { id: "30-1" })).toMatchObject({ ok: false, error: expect.stringContaining("already") });
    expect(updateNode(doc, "40-3", { id: "  " })).toMatchObject({ ok: false });
    expect(must(updateNode(renamed, "meter-3", { label: "" })).nodes[4]).not.toHaveProperty("label");
  });

  it("deletes a node with its links, and links by index", () => {
    const doc = fig46();
    const without = deleteElements(doc, { nodes: ["40-3"] });
    expect(without.links.map((l) => `${l.client}>${l.server}`)).toEqual(["40-1>30-1", "40-2>30-1", "40-4>30-2"]);
    expect(deleteElements(doc, { links: [0, 4] }).links).toHaveLength(3);
    expect(deleteElements(doc, {})).toBe(doc);
    expect(nextNodeId(addNode(doc, { x: 0, y: 0 }).doc)).toBe("node-2");
  });
});

describe("history", () => {
  it("undoes and redoes, drops the redo branch on a new change, and caps its length", () => {
    const a = fig46();
    const b = deleteElements(a, { links: [0] });
    const c = deleteElements(b, { links: [0] });
    let h = commit(commit(startHistory(a), b, "delete"), c, "delete again");
    expect(commit(h, h.present, "nothing")).toBe(h);
    h = undo(h);
    expect(h.present).toBe(b);
    expect(redo(h).present).toBe(c);
    h = undo(undo(h));
    expect(h.present).toBe(a);
    expect(undo(h)).toBe(h);
    h = commit(h, c, "other");
    expect(h.future).toEqual([]);
    for (let i = 0; i < HISTORY_LIMIT + 10; i++) h = commit(h, { nodes: [], links: [] }, `n${i}`);
    expect(h.past).toHaveLength(HISTORY_LIMIT);
  });
});

describe("auto layout", () => {
  it("places every node, servers above their clients, and keeps the topology otherwise unchanged", () => {
    const doc = fig46();
    expect(needsLayout(doc)).toBe(true);
    const laid = autoLayout(doc);
    expect(needsLayout(laid)).toBe(false);
    const y = new Map(laid.nodes.map((n) => [n.id, n.y!]));
    for (const l of laid.links) expect(y.get(l.server)! + NODE_HEIGHT).toBeLessThan(y.get(l.client)!);
    expect(laid.links).toBe(doc.links);
    expect(parseTopology(laid).ok).toBe(true);
  });

  // Its time is measured by `npm run bench` (bench/rotation.ts), not asserted here.
  it("lays out a 1,000-node fleet as a screen-shaped block of server tiles", () => {
    const doc = generateFleet(1000);
    const laid = autoLayout(doc);
    expect(needsLayout(laid)).toBe(false);
    const pos = new Map(laid.nodes.map((n) => [n.id, { x: n.x!, y: n.y! }]));
    const xs = laid.nodes.map((n) => n.x!);
    const ys = laid.nodes.map((n) => n.y!);
    const width = Math.max(...xs) - Math.min(...xs);
    const height = Math.max(...ys) - Math.min(...ys);
    // One row of 900 devices would be ~185,000 px wide; tiled it is a few screens, wider than tall.
    expect(width).toBeLessThan(15_000);
    expect(width / height).toBeGreaterThan(0.8);
    expect(width / height).toBeLessThan(3);
    // No two nodes overlap.
    const sorted = laid.nodes.map((n) => pos.get(n.id)!).sort((a, b) => a.y - b.y || a.x - b.x);
    for (let i = 1; i < sorted.length; i++)
      if (sorted[i].y === sorted[i - 1].y) expect(sorted[i].x - sorted[i - 1].x).toBeGreaterThanOrEqual(NODE_WIDTH);
    // A device sits in the tile of one of its servers, below it; most links are short (not across the block).
    const highestServer = new Map<string, number>();
    for (const l of laid.links) highestServer.set(l.client, Math.min(highestServer.get(l.client) ?? Infinity, pos.get(l.server)!.y));
    for (const [client, y] of highestServer) expect(y).toBeLessThan(pos.get(client)!.y);
    const lengths = laid.links.map((l) => Math.hypot(pos.get(l.server)!.x - pos.get(l.client)!.x, pos.get(l.server)!.y - pos.get(l.client)!.y)).sort((a, b) => a - b);
    expect(lengths[Math.floor(lengths.length / 2)]).toBeLessThan(800);
  });
});
