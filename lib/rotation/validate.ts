import { z } from "zod";
import {
  DEFAULT_GROUP,
  type ParseResult,
  type Topology,
  type TopologyError,
  type TopologyLink,
  type TopologyNode,
} from "./model";
import { computeRoutes } from "./routing";

// Strict objects: the format is also the web app's storage format, so a misspelt key
// (e.g. "acceptConnections") must be reported instead of silently ignored.
const nodeSchema = z.strictObject({
  id: z.string({ error: "node id must be a string" }).min(1, "node id must not be empty"),
  label: z.string().optional(),
  direct: z.boolean().optional(),
  acceptsConnections: z.boolean().optional(),
  x: z.number().optional(),
  y: z.number().optional(),
});

const linkSchema = z.strictObject({
  client: z.string({ error: "client must be a node id" }).min(1, "client must name a node"),
  server: z.string({ error: "server must be a node id" }).min(1, "server must name a node"),
  group: z.string().optional(),
  auth: z.enum(["mutual", "one-way"], { error: 'auth must be "mutual" or "one-way"' }).optional(),
});

/** The document format's structure (types and keys only); lib/topologies stores drafts with it. */
export const topologySchema = z.strictObject(
  {
    nodes: z.array(nodeSchema, { error: "nodes must be an array" }),
    links: z.array(linkSchema, { error: "links must be an array" }),
  },
  { error: 'a topology is an object {"nodes": [...], "links": [...]}' },
);

/** `["links", 3, "server"]` → `links[3].server`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) out += typeof part === "number" ? `[${part}]` : out === "" ? String(part) : `.${String(part)}`;
  return out;
}

type RawTopology = z.infer<typeof topologySchema>;


function typeErrors(input: unknown, issues: readonly z.core.$ZodIssue[]): TopologyError[] {
  const raw = input as { nodes?: unknown; links?: unknown } | null;
  return issues.map((issue) => {
    const error: TopologyError = { path: formatPath(issue.path), message: issue.message };
    const [head, index] = issue.path;
    if (typeof index === "number" && head === "links") error.linkIndex = index;
    if (typeof index === "number" && head === "nodes" && raw && Array.isArray(raw.nodes)) {
      const id = (raw.nodes[index] as { id?: unknown } | null)?.id;
      if (typeof id === "string" && id !== "") error.nodeId = id;
    }
    return error;
  });
}

function normalize(raw: RawTopology): Topology {
  const servers = new Set(raw.links.map((l) => l.server));
  const nodes: TopologyNode[] = raw.nodes.map((n) => {
    const node: TopologyNode = {
      id: n.id,
      direct: n.direct ?? false,
      acceptsConnections: n.acceptsConnections ?? servers.has(n.id),
    };
    if (n.label !== undefined) node.label = n.label;
    if (n.x !== undefined) node.x = n.x;
    if (n.y !== undefined) node.y = n.y;
    return node;
  });
  const links: TopologyLink[] = raw.links.map((l, index) => ({
    index,
    client: l.client,
    server: l.server,
    group: l.group ?? DEFAULT_GROUP,
    auth: l.auth ?? "mutual",
  }));
  return { nodes, links };
}

function semanticErrors(topology: Topology, raw: RawTopology): TopologyError[] {
  const errors: TopologyError[] = [];
  const firstIndex = new Map<string, number>();
  topology.nodes.forEach((node, i) => {
    const first = firstIndex.get(node.id);
    if (first === undefined) firstIndex.set(node.id, i);
    else
      errors.push({
        path: `nodes[${i}].id`,
        nodeId: node.id,
        message: `duplicate node id "${node.id}" (already used by nodes[${first}])`,
      });
  });

  // Duplicate (client, server, group): a numeric key per node pair keeps this cheap for large
  // topologies; the rare pair that occurs in several groups falls back to string keys.
  const nodeCount = topology.nodes.length;
  const firstOfPair = new Map<number, number>();
  const triples = new Map<string, number>();
  const duplicateOf = (link: TopologyLink): number | undefined => {
    const c = firstIndex.get(link.client);
    const s = firstIndex.get(link.server);
    if (c === undefined || s === undefined) return undefined;
    const first = firstOfPair.get(c * nodeCount + s);
    if (first === undefined) {
      firstOfPair.set(c * nodeCount + s, link.index);
      return undefined;
    }
    const key = (g: string) => JSON.stringify([c, s, g]);
    const firstKey = key(topology.links[first].group);
    if (!triples.has(firstKey)) triples.set(firstKey, first);
    const earlier = triples.get(key(link.group));
    if (earlier === undefined) triples.set(key(link.group), link.index);
    return earlier;
  };
  const usable: TopologyLink[] = [];
  const serverLink = new Map<string, number>();
  for (const link of topology.links) {
    const i = link.index;
    let ok = true;
    for (const end of ["client", "server"] as const) {
      if (!firstIndex.has(link[end])) {
        ok = false;
        errors.push({
          path: `links[${i}].${end}`,
          linkIndex: i,
          message: `unknown node "${link[end]}" as ${end} (no node has this id)`,
        });
      }
    }
    if (link.client === link.server) {
      ok = false;
      errors.push({
        path: `links[${i}]`,
        linkIndex: i,
        nodeId: link.client,
        message: `node "${link.client}" cannot be a client of itself`,
      });
    }
    if (link.group.trim() === "") {
      ok = false;
      errors.push({ path: `links[${i}].group`, linkIndex: i, message: "group name must not be empty" });
    }
    const earlier = duplicateOf(link);
    if (earlier !== undefined) {
      ok = false;
      errors.push({
        path: `links[${i}]`,
        linkIndex: i,
        message: `duplicate of links[${earlier}] (same client "${link.client}", server "${link.server}" and group "${link.group}")`,
      });
    }
    if (ok) {
      usable.push(link);
      if (!serverLink.has(link.server)) serverLink.set(link.server, i);
    }
  }

  raw.nodes.forEach((n, i) => {
    const linkIndex = serverLink.get(n.id);
    if (n.acceptsConnections === false && linkIndex !== undefined && firstIndex.get(n.id) === i) {
      errors.push({
        path: `nodes[${i}].acceptsConnections`,
        nodeId: n.id,
        linkIndex,
        message: `node "${n.id}" is the server of links[${linkIndex}] but acceptsConnections is false`,
      });
    }
  });

  // Reachability uses exactly the channels the planner relays over (routing.ts), so every
  // accepted topology can be routed.
  const nodes = topology.nodes.filter((n, i) => firstIndex.get(n.id) === i);
  if (nodes.length > 0 && !nodes.some((n) => n.direct)) {
    errors.push({
      path: "nodes",
      message: "no node is direct: the CA must reach at least one node over its own secure channel",
    });
  }
  const routes = computeRoutes({ nodes, links: usable });
  for (const id of routes.unreachable) {
    errors.push({
      path: `nodes[${firstIndex.get(id)}]`,
      nodeId: id,
      message:
        `node "${id}" cannot be reached: no direct node reaches it through counterparts ` +
        `(requests travel over mutual links either way, over one-way links only from server to client)`,
    });
  }
  return errors;
}

/** Validates the topology JSON (types with zod, then semantics) and fills in defaults. */
export function parseTopology(input: unknown): ParseResult {
  const parsed = topologySchema.safeParse(input);
  if (!parsed.success) return { ok: false, errors: typeErrors(input, parsed.error.issues) };
  const topology = normalize(parsed.data);
  const errors = semanticErrors(topology, parsed.data);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, topology };
}
