/**
 * Operator words for what the planner and validator say in machine terms. lib/rotation keeps its
 * JSON paths (`links[3].server`, `nodes[2]`): the API, the CLI and their tests rely on them. The
 * editor shows links as "client → server" and nodes by id instead; pure, so it is unit tested.
 */
import type { TopologyError } from "@/lib/rotation";
import type { TopologyDocument } from "@/lib/topologies/document";

/** "40-3 → 30-1": a link as the canvas draws it (client, then the server it connects to). */
export function linkName(doc: Pick<TopologyDocument, "links">, index: number): string {
  const l = doc.links[index];
  return l ? `${l.client} → ${l.server}` : `link ${index + 1}`;
}

/** A message with every array index replaced by the link or node it means. */
export function inWords(doc: TopologyDocument, message: string): string {
  return message
    .replace(/links\[(\d+)\](?:\.\w+)?(?: \([^)]*\))?/g, (_, i: string) => `the link ${linkName(doc, Number(i))}`)
    .replace(/nodes\[(\d+)\](?:\.\w+)?/g, (_, i: string) => {
      const n = doc.nodes[Number(i)];
      return n ? `node "${n.id}"` : "another node";
    })
    .replace(/acceptsConnections is false/g, "it does not accept connections");
}

/** A validation problem as the editor lists it: where (a link by its ends), then what. */
export function describeProblem(doc: TopologyDocument, e: TopologyError): string {
  const what = inWords(doc, e.message);
  if (e.linkIndex !== undefined) return `Link ${linkName(doc, e.linkIndex)}: ${what}`;
  // A path without an index ("nodes") names the whole list: the message says the rest.
  if (e.nodeId !== undefined || !/\[\d+\]/.test(e.path)) return what;
  return `${inWords(doc, e.path)}: ${what}`;
}

/**
 * The few words a node's error bubble shows ("cannot be reached"): the node's own name and the
 * explanation after the first colon go; the validation list and the bubble's tooltip keep them.
 * Short bubbles fit under their node without covering the next row.
 */
export function shortNodeMessage(nodeId: string, message: string): string {
  const own = `node ${JSON.stringify(nodeId)} `;
  const rest = message.startsWith(own) ? message.slice(own.length) : message;
  const cut = rest.search(/: | \(/);
  return cut > 0 ? rest.slice(0, cut) : rest;
}
