/**
 * Document → React Flow nodes and edges. Objects are reused whenever the document's node or link
 * object is the same (edits share unchanged ones), so React Flow and the memoised node components
 * skip everything an edit did not touch. O(nodes + links) per document change, never per frame.
 */
import { MarkerType } from "@xyflow/react";
import type { TopologyDocument } from "@/lib/topologies/document";
import type { DeviceNodeType } from "./DeviceNode";
import type { LinkEdgeType } from "./LinkEdge";

// In user space, so a thick (broken, selected) edge does not get a giant arrow head.
const MARKER = { type: MarkerType.ArrowClosed, color: "#64748b", width: 18, height: 18, markerUnits: "userSpaceOnUse" } as const;

/** "server for 3 · client of 1": what the links make of each node, in one pass over the links. */
function roles(doc: TopologyDocument): Map<string, string> {
  const serves = new Map<string, number>();
  const uses = new Map<string, number>();
  for (const l of doc.links) {
    serves.set(l.server, (serves.get(l.server) ?? 0) + 1);
    uses.set(l.client, (uses.get(l.client) ?? 0) + 1);
  }
  const out = new Map<string, string>();
  for (const n of doc.nodes) {
    const s = serves.get(n.id) ?? 0;
    const c = uses.get(n.id) ?? 0;
    const parts = [];
    if (s) parts.push(`server for ${s}`);
    if (c) parts.push(`client of ${c}`);
    out.set(n.id, parts.join(" · ") || "not linked");
  }
  return out;
}

export function toFlowNodes(doc: TopologyDocument, previous: readonly DeviceNodeType[]): DeviceNodeType[] {
  const prev = new Map(previous.map((n) => [n.id, n]));
  const role = roles(doc);
  return doc.nodes.map((n, i) => {
    const old = prev.get(n.id);
    if (old && old.data.node === n && old.data.role === role.get(n.id)) return old;
    // Nodes without a position (briefly, before the automatic layout) go on a grid.
    const position = { x: n.x ?? (i % 20) * 200, y: n.y ?? Math.floor(i / 20) * 120 };
    const next: DeviceNodeType = { id: n.id, type: "device", position, data: { node: n, role: role.get(n.id)! } };
    if (old?.selected) next.selected = true;
    if (old?.measured) next.measured = old.measured;
    return next;
  });
}

export function toFlowEdges(doc: TopologyDocument, colors: ReadonlyMap<string, string>, previous: readonly LinkEdgeType[]): LinkEdgeType[] {
  return doc.links.map((link, index) => {
    const old = previous[index];
    const color = colors.get(link.group) ?? "#64748b";
    if (old && old.data!.link === link && old.data!.color === color) return old;
    const next: LinkEdgeType = {
      // Edges are keyed by position: links have no id of their own in the document format.
      id: `L${index}`,
      type: "link",
      source: link.client,
      target: link.server,
      sourceHandle: "client",
      targetHandle: "server",
      markerEnd: MARKER,
      data: { link, index, color },
    };
    // An edited link (new group or auth) stays selected, so its inspector stays open; a different
    // link that moved into this index (after a delete) does not inherit the selection.
    if (old?.selected && old.data!.link.client === link.client && old.data!.link.server === link.server) next.selected = true;
    return next;
  });
}
