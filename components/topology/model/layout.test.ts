import { describe, expect, it } from "vitest";
import type { TopologyDocument } from "@/lib/topologies/document";
import { addNode } from "./edits";
import { BUBBLE_ROOM, freeSpot, layoutPositions, NODE_HEIGHT, NODE_WIDTH } from "./layout";

type P = { x: number; y: number };
/** Two node boxes, each with its error bubble's room below, overlap. */
const clash = (a: P, b: P) => Math.abs(a.x - b.x) < NODE_WIDTH && Math.abs(a.y - b.y) < NODE_HEIGHT + BUBBLE_ROOM;

describe("freeSpot (Add node)", () => {
  it("puts each new node beside the others, never on top of one, starting at the middle of the view", () => {
    let doc: TopologyDocument = { nodes: [], links: [] };
    const middle = { x: 400, y: 300 };
    const placed: P[] = [];
    for (let i = 0; i < 12; i++) {
      const at = freeSpot(doc, middle);
      for (const p of placed) expect(clash(p, at)).toBe(false);
      placed.push(at);
      doc = addNode(doc, at).doc;
    }
    expect(placed[0]).toEqual({ x: 400 - NODE_WIDTH / 2, y: 300 - NODE_HEIGHT / 2 });
    // Nearest free cells first: the first nine fill the 3×3 block around the middle.
    for (const p of placed.slice(0, 9)) expect(Math.abs(p.x - placed[0].x)).toBeLessThanOrEqual(NODE_WIDTH + 24);
  });
});

describe("auto layout of unlinked nodes", () => {
  it("puts nodes without links in a grid below the linked ones, with room for their error bubbles", () => {
    const doc: TopologyDocument = {
      nodes: [{ id: "ca-side", direct: true, acceptsConnections: true }, { id: "client", direct: false, acceptsConnections: false }, ...Array.from({ length: 10 }, (_, i) => ({ id: `loose-${i}`, direct: false, acceptsConnections: false }))],
      links: [{ client: "client", server: "ca-side", group: "default", auth: "mutual" }],
    };
    const pos = layoutPositions(doc);
    expect(pos.size).toBe(12);
    const loose = doc.nodes.slice(2).map((n) => pos.get(n.id)!);
    // Not one row: at least two rows of loose nodes.
    expect(new Set(loose.map((p) => p.y)).size).toBeGreaterThan(1);
    // No node (with its bubble) overlaps another.
    const all = [...pos.values()];
    for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++) expect(clash(all[i], all[j])).toBe(false);
    // Below the linked part.
    const linkedBottom = Math.max(pos.get("ca-side")!.y, pos.get("client")!.y);
    for (const p of loose) expect(p.y).toBeGreaterThan(linkedBottom + NODE_HEIGHT);
  });

  it("lays out a topology with no links at all as a grid", () => {
    const doc: TopologyDocument = { nodes: Array.from({ length: 6 }, (_, i) => ({ id: `n${i}`, direct: false, acceptsConnections: false })), links: [] };
    const all = [...layoutPositions(doc).values()];
    expect(new Set(all.map((p) => p.y)).size).toBe(2);
    for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++) expect(clash(all[i], all[j])).toBe(false);
  });
});
