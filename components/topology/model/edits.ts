/**
 * The editor's changes to a document, as pure functions: each returns a new document and shares
 * every node and link object it did not change, so the canvas re-renders only what changed and
 * the undo history costs one array per step. Changes that would make the document unstorable
 * (duplicate node ids) or that the user cannot mean (a link to itself, the same link twice) are
 * refused with a message; everything else is allowed and left to validation (drafts).
 */
import { DEFAULT_GROUP, type AuthMode } from "@/lib/rotation";
import type { DocLink, DocNode, TopologyDocument } from "@/lib/topologies/document";

export type EditResult = { ok: true; doc: TopologyDocument } | { ok: false; error: string };

const ok = (doc: TopologyDocument): EditResult => ({ ok: true, doc });
const refuse = (error: string): EditResult => ({ ok: false, error });

/** The first free id `prefix-1`, `prefix-2`, ... */
export function nextNodeId(doc: TopologyDocument, prefix = "node"): string {
  const ids = new Set(doc.nodes.map((n) => n.id));
  for (let i = 1; ; i++) if (!ids.has(`${prefix}-${i}`)) return `${prefix}-${i}`;
}

export function addNode(doc: TopologyDocument, node: Partial<DocNode> & { x: number; y: number }): { doc: TopologyDocument; id: string } {
  const id = node.id ?? nextNodeId(doc);
  if (doc.nodes.some((n) => n.id === id)) throw new Error(`node id "${id}" is taken`);
  const added: DocNode = { id, direct: node.direct ?? false, acceptsConnections: node.acceptsConnections ?? false, x: Math.round(node.x), y: Math.round(node.y) };
  if (node.label) added.label = node.label;
  return { doc: { nodes: [...doc.nodes, added], links: doc.links }, id };
}

/** Positions after a drag; unchanged nodes keep their object. */
export function moveNodes(doc: TopologyDocument, moves: ReadonlyMap<string, { x: number; y: number }>): TopologyDocument {
  let changed = false;
  const nodes = doc.nodes.map((n) => {
    const m = moves.get(n.id);
    if (!m) return n;
    const x = Math.round(m.x);
    const y = Math.round(m.y);
    if (n.x === x && n.y === y) return n;
    changed = true;
    return { ...n, x, y };
  });
  return changed ? { nodes, links: doc.links } : doc;
}

export interface NodePatch {
  id?: string;
  label?: string;
  direct?: boolean;
  acceptsConnections?: boolean;
}

/** Changes a node; renaming its id renames it in every link too. */
export function updateNode(doc: TopologyDocument, id: string, patch: NodePatch): EditResult {
  const index = doc.nodes.findIndex((n) => n.id === id);
  if (index < 0) return refuse(`no node "${id}"`);
  const node = doc.nodes[index];
  const next: DocNode = { ...node };
  if (patch.label !== undefined) {
    if (patch.label.trim() === "") delete next.label;
    else next.label = patch.label;
  }
  if (patch.direct !== undefined) next.direct = patch.direct;
  if (patch.acceptsConnections !== undefined) next.acceptsConnections = patch.acceptsConnections;
  let links = doc.links;
  if (patch.id !== undefined && patch.id !== id) {
    const newId = patch.id.trim();
    if (newId === "") return refuse("the node id must not be empty");
    if (doc.nodes.some((n) => n.id === newId)) return refuse(`another node already has the id "${newId}"`);
    next.id = newId;
    links = doc.links.map((l) =>
      l.client === id || l.server === id ? { ...l, client: l.client === id ? newId : l.client, server: l.server === id ? newId : l.server } : l,
    );
  }
  const nodes = doc.nodes.slice();
  nodes[index] = next;
  return ok({ nodes, links });
}

/** Deletes nodes (with their links) and links (by index). */
export function deleteElements(doc: TopologyDocument, remove: { nodes?: readonly string[]; links?: readonly number[] }): TopologyDocument {
  const nodeIds = new Set(remove.nodes ?? []);
  const linkIndices = new Set(remove.links ?? []);
  if (nodeIds.size === 0 && linkIndices.size === 0) return doc;
  return {
    nodes: nodeIds.size ? doc.nodes.filter((n) => !nodeIds.has(n.id)) : doc.nodes,
    links: doc.links.filter((l, i) => !linkIndices.has(i) && !nodeIds.has(l.client) && !nodeIds.has(l.server)),
  };
}

function duplicateOf(links: readonly DocLink[], candidate: DocLink, except = -1): number {
  return links.findIndex((l, i) => i !== except && l.client === candidate.client && l.server === candidate.server && l.group === candidate.group);
}

/**
 * Adds the link client → server. The server gets acceptsConnections: drawing a link to a node
 * says it has a server function (validation would otherwise flag the link at once).
 */
export function addLink(doc: TopologyDocument, client: string, server: string, group = DEFAULT_GROUP, auth: AuthMode = "mutual"): EditResult {
  if (client === server) return refuse(`node "${client}" cannot be a client of itself`);
  const s = doc.nodes.findIndex((n) => n.id === server);
  if (s < 0 || !doc.nodes.some((n) => n.id === client)) return refuse("both ends of a link must be nodes");
  const link: DocLink = { client, server, group, auth };
  const dup = duplicateOf(doc.links, link);
  if (dup >= 0) return refuse(`${client} is already a client of ${server} in group "${group}"`);
  let nodes = doc.nodes;
  if (!nodes[s].acceptsConnections) {
    nodes = nodes.slice();
    nodes[s] = { ...nodes[s], acceptsConnections: true };
  }
  return ok({ nodes, links: [...doc.links, link] });
}

export function updateLink(doc: TopologyDocument, index: number, patch: { group?: string; auth?: AuthMode }): EditResult {
  const link = doc.links[index];
  if (!link) return refuse("that link no longer exists");
  const next: DocLink = { ...link, ...patch };
  if (next.group.trim() === "") return refuse("the group name must not be empty");
  const dup = duplicateOf(doc.links, next, index);
  if (dup >= 0) return refuse(`another link already connects ${next.client} → ${next.server} in group "${next.group}"`);
  const links = doc.links.slice();
  links[index] = next;
  return ok({ nodes: doc.nodes, links });
}

