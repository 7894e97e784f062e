/**
 * Automatic layout with dagre: servers above their clients (as in the seeds' figures, where the CA
 * talks to the servers at the top), one layer per relay level. About a second for 1,000 nodes, so
 * the editor runs it on demand ("Auto layout") and for imports without positions, never per render.
 */
import dagre from "@dagrejs/dagre";
import type { TopologyDocument } from "@/lib/topologies/document";
import { moveNodes } from "./edits";

/** The box the canvas draws a node in (components/topology/DeviceNode.tsx uses the same). */
export const NODE_WIDTH = 176;
export const NODE_HEIGHT = 64;

/** Room a node needs below it for its error bubble (DeviceNode draws it under the node, as wide as the node). */
export const BUBBLE_ROOM = 72;

export function layoutPositions(doc: TopologyDocument): Map<string, { x: number; y: number }> {
  // Nodes without a link have no place in a hierarchy: dagre would line them all up in the top
  // rank, one wide row. They go in a grid of their own below the linked nodes instead.
  const linked = new Set<string>();
  const known = new Set(doc.nodes.map((n) => n.id));
  for (const l of doc.links) if (known.has(l.client) && known.has(l.server) && l.client !== l.server) linked.add(l.client).add(l.server);
  const loose = doc.nodes.filter((n) => !linked.has(n.id)).map((n) => n.id);
  const out = linked.size ? hierarchy({ nodes: doc.nodes.filter((n) => linked.has(n.id)), links: doc.links }) : new Map<string, { x: number; y: number }>();
  if (loose.length === 0) return out;
  let left = Infinity;
  let bottom = -Infinity;
  for (const p of out.values()) {
    left = Math.min(left, p.x);
    bottom = Math.max(bottom, p.y + NODE_HEIGHT + BUBBLE_ROOM);
  }
  if (out.size === 0) [left, bottom] = [20, 20 - LOOSE_ROW_GAP];
  const cols = Math.max(1, Math.ceil(Math.sqrt(loose.length * 2)));
  loose.forEach((id, i) => out.set(id, { x: left + (i % cols) * COLUMN, y: bottom + LOOSE_ROW_GAP + Math.floor(i / cols) * (NODE_HEIGHT + BUBBLE_ROOM) }));
  return out;
}

const LOOSE_ROW_GAP = 40;

function hierarchy(doc: TopologyDocument): Map<string, { x: number; y: number }> {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "TB", nodesep: 28, ranksep: 90, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  const ids = new Set<string>();
  for (const n of doc.nodes) {
    ids.add(n.id);
    g.setNode(n.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  }
  // Edges point server → client so servers rank above clients; drafts may name unknown nodes.
  for (const l of doc.links) if (ids.has(l.client) && ids.has(l.server) && l.client !== l.server) g.setEdge(l.server, l.client);
  dagre.layout(g);
  const out = new Map<string, { x: number; y: number }>();
  // dagre gives centres; React Flow positions are top-left corners.
  for (const id of ids) {
    const p = g.node(id) as { x: number; y: number };
    out.set(id, { x: p.x - NODE_WIDTH / 2, y: p.y - NODE_HEIGHT / 2 });
  }
  return tileWideLayers(doc, out);
}

const COLUMN = NODE_WIDTH + 28;
const ROW_GAP = 26;
const LEAF_COLS = 6;
const LEAF_GAP = 44;
const TILE_GAP = 60;
const TILE_ROW_GAP = 70;
const LAYER_GAP = 120;

/**
 * A fleet puts hundreds of devices in one layer, and one row of them is a strip tens of thousands
 * of pixels wide that no screen can show; folding that row instead sends every server's links
 * across the whole block. So when a layer is wider than about √n nodes, the layout is rebuilt from
 * tiles: each server with, below it, a small grid of the clients that serve nobody and are closest
 * to it (its "leaves"). A layer's tiles (dagre's layers and order) wrap into rows of a width that
 * makes the whole roughly 3:2. Leaf links stay inside their tile; only links between servers cross
 * rows. Small topologies keep dagre's layout as it is.
 */
function tileWideLayers(doc: TopologyDocument, dagrePos: Map<string, { x: number; y: number }>): Map<string, { x: number; y: number }> {
  const perRow = Math.max(16, Math.ceil(Math.sqrt(dagrePos.size)));
  const widths = new Map<number, number>();
  for (const p of dagrePos.values()) widths.set(Math.round(p.y), (widths.get(Math.round(p.y)) ?? 0) + 1);
  if (![...widths.values()].some((w) => w > perRow)) return dagrePos;

  const serversOf = new Map<string, string[]>();
  const serves = new Set<string>();
  for (const l of doc.links) {
    if (!dagrePos.has(l.client) || !dagrePos.has(l.server) || l.client === l.server) continue;
    serves.add(l.server);
    serversOf.set(l.client, [...(serversOf.get(l.client) ?? []), l.server]);
  }
  const x = (id: string) => dagrePos.get(id)!.x;
  // Tile heads: every server, and every node that neither serves nor has a server.
  const leaves = new Map<string, string[]>();
  for (const id of dagrePos.keys()) {
    if (serves.has(id)) {
      if (!leaves.has(id)) leaves.set(id, []);
      continue;
    }
    const servers = serversOf.get(id);
    if (!servers) {
      leaves.set(id, []);
      continue;
    }
    const anchor = servers.reduce((best, s) => (Math.abs(x(s) - x(id)) < Math.abs(x(best) - x(id)) ? s : best));
    if (!leaves.has(anchor)) leaves.set(anchor, []);
    leaves.get(anchor)!.push(id);
  }

  type Tile = { head: string; leaves: string[]; cols: number; w: number; h: number };
  const layers = new Map<number, Tile[]>();
  let area = 0;
  let widest = 0;
  for (const [head, list] of leaves) {
    list.sort((a, b) => x(a) - x(b));
    const cols = Math.max(1, Math.min(LEAF_COLS, list.length));
    const rows = Math.ceil(list.length / cols);
    const tile = { head, leaves: list, cols, w: cols * COLUMN - (COLUMN - NODE_WIDTH), h: NODE_HEIGHT + (rows ? LEAF_GAP + rows * (NODE_HEIGHT + ROW_GAP) - ROW_GAP : 0) };
    const key = Math.round(dagrePos.get(head)!.y);
    if (!layers.has(key)) layers.set(key, []);
    layers.get(key)!.push(tile);
    area += (tile.w + TILE_GAP) * (tile.h + TILE_ROW_GAP);
    widest = Math.max(widest, tile.w);
  }
  const width = Math.max(widest, Math.sqrt(1.5 * area));

  const out = new Map<string, { x: number; y: number }>();
  let y = 0;
  for (const key of [...layers.keys()].sort((a, b) => a - b)) {
    const tiles = layers.get(key)!.sort((a, b) => x(a.head) - x(b.head));
    // Greedy rows, then each row centred on the block.
    const rows: Tile[][] = [[]];
    let used = 0;
    for (const t of tiles) {
      if (used > 0 && used + t.w > width) {
        rows.push([]);
        used = 0;
      }
      rows[rows.length - 1].push(t);
      used += t.w + TILE_GAP;
    }
    for (const row of rows) {
      const rowWidth = row.reduce((sum, t) => sum + t.w + TILE_GAP, -TILE_GAP);
      let left = (width - rowWidth) / 2;
      let height = 0;
      for (const t of row) {
        out.set(t.head, { x: left + (t.w - NODE_WIDTH) / 2, y });
        t.leaves.forEach((id, i) => out.set(id, { x: left + (i % t.cols) * COLUMN, y: y + NODE_HEIGHT + LEAF_GAP + Math.floor(i / t.cols) * (NODE_HEIGHT + ROW_GAP) }));
        left += t.w + TILE_GAP;
        height = Math.max(height, t.h);
      }
      y += height + TILE_ROW_GAP;
    }
    y += LAYER_GAP - TILE_ROW_GAP;
  }
  return out;
}

export function autoLayout(doc: TopologyDocument): TopologyDocument {
  return moveNodes(doc, layoutPositions(doc));
}

/** True when some node has no stored position (an import from inventory, a CLI file). */
export function needsLayout(doc: TopologyDocument): boolean {
  return doc.nodes.some((n) => n.x === undefined || n.y === undefined);
}

/**
 * Where "Add node" puts a node: the free place nearest to `near` (the middle of the view), on a
 * grid of node-sized cells, leaving room for the error bubble a new, unlinked node shows. Each new
 * node lands beside the last one, never on it.
 */
export function freeSpot(doc: TopologyDocument, near: { x: number; y: number }): { x: number; y: number } {
  const w = NODE_WIDTH + 24;
  const h = NODE_HEIGHT + BUBBLE_ROOM;
  const taken = (x: number, y: number) =>
    doc.nodes.some((n) => n.x !== undefined && n.y !== undefined && Math.abs(n.x - x) < w && n.y < y + h && y < n.y + h);
  const origin = { x: Math.round(near.x - NODE_WIDTH / 2), y: Math.round(near.y - NODE_HEIGHT / 2) };
  // Rings of cells around the origin, nearest first; a ring of radius r has 8r cells.
  for (let r = 0; r <= 60; r++) {
    const ring: { x: number; y: number; d: number }[] = [];
    for (let i = -r; i <= r; i++)
      for (let j = -r; j <= r; j++) if (Math.max(Math.abs(i), Math.abs(j)) === r) ring.push({ x: origin.x + i * w, y: origin.y + j * h, d: Math.hypot(i * w, j * h) });
    ring.sort((a, b) => a.d - b.d);
    const free = ring.find((c) => !taken(c.x, c.y));
    if (free) return { x: free.x, y: free.y };
  }
  return origin;
}
