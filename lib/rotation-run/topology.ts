/** A stored topology as rotation runs need it: by name, validated, with per-group views. */
import type { Tx } from "../db";
import { InputError, NotFoundError } from "../errors";
import { parseTopology, type Topology, type TopologyLink } from "../rotation";
import { summarizeErrors, type TopologyDocument } from "../topologies/document";

export interface LoadedTopology {
  id: string;
  name: string;
  document: TopologyDocument;
  topology: Topology;
}

/** The topology named `name`, validated (a draft cannot be bound, provisioned or run). */
export async function topologyByName(tx: Tx, name: string, field = "topology"): Promise<LoadedTopology> {
  if (typeof name !== "string" || !name.trim()) throw new InputError(field, "the topology name is required");
  const row = await tx.topology.findUnique({ where: { name }, select: { id: true, name: true, document: true } });
  if (!row) throw new NotFoundError(field, `no topology named "${name}"`);
  const document = JSON.parse(row.document) as TopologyDocument;
  const parsed = parseTopology(document);
  if (!parsed.ok) throw new InputError(field, `the topology "${name}" is not valid: ${summarizeErrors(document, parsed.errors)}`);
  return { id: row.id, name: row.name, document, topology: parsed.topology };
}

/** The root key groups of a topology, in order of first appearance. */
export function groupsOf(t: Topology): string[] {
  return [...new Set(t.links.map((l) => l.group))];
}

/** Links of one group. */
export function linksOf(t: Topology, group: string): TopologyLink[] {
  return t.links.filter((l) => l.group === group);
}

/** Node ids that take part in a group (have a link in it), in topology order. */
export function nodesOf(t: Topology, group: string): string[] {
  const inGroup = new Set(linksOf(t, group).flatMap((l) => [l.client, l.server]));
  return t.nodes.filter((n) => inGroup.has(n.id)).map((n) => n.id);
}

/** Whether a node presents a certificate in a group: a server anywhere, or a client on a mutual link. */
export function presentsCertificate(t: Topology, group: string, node: string): boolean {
  return linksOf(t, group).some((l) => l.server === node || (l.client === node && l.auth === "mutual"));
}

export const UNFINISHED = ["running", "failed"];
