import type { Topology } from "./model";

/**
 * The nodes and links of one root key group, indexed for linear-time planning and simulation.
 * Node roles are per group because a node's certificate store is per group: a node that is a
 * server in group A and only a client in group B may hold two group-B certificates.
 */
export interface GroupGraph {
  group: string;
  /** Local node index → node id; nodes appear in topology order. */
  nodeIds: string[];
  /** Local node index → index in `topology.nodes`. */
  nodeGlobal: Int32Array;
  /** Local link → index in `topology.links` (= TopologyLink.index). */
  linkIndex: Int32Array;
  client: Int32Array;
  server: Int32Array;
  mutual: Uint8Array;
  /** Links incident to local node v: incLinks[incStart[v] .. incStart[v+1]). */
  incStart: Int32Array;
  incLinks: Int32Array;
  /** Server on some link: holds exactly one certificate, so storing a new one replaces the old. */
  isServer: Uint8Array;
  /** Client on some link. */
  isClient: Uint8Array;
  /** Verifies some peer's certificate (client on any link, server on a mutual link): has roots to update. */
  needsRoots: Uint8Array;
  /** Presents a certificate to some peer (server on any link, client on a mutual link). */
  needsCert: Uint8Array;
}

/** Group names in order of first appearance among the links. */
export function groupNames(topology: Topology): string[] {
  const seen = new Set<string>();
  for (const link of topology.links) seen.add(link.group);
  return [...seen];
}

/** One graph per group (in order of first appearance), or only `onlyGroup`'s. */
export function buildGroupGraphs(topology: Topology, onlyGroup?: string): GroupGraph[] {
  const globalIndex = new Map<string, number>();
  topology.nodes.forEach((node, i) => {
    if (!globalIndex.has(node.id)) globalIndex.set(node.id, i);
  });
  const linksByGroup = new Map<string, number[]>();
  // Global endpoint indices, looked up once for all groups.
  const clientOf = new Int32Array(topology.links.length);
  const serverOf = new Int32Array(topology.links.length);
  topology.links.forEach((link, i) => {
    if (onlyGroup !== undefined && link.group !== onlyGroup) return;
    const c = globalIndex.get(link.client);
    const s = globalIndex.get(link.server);
    if (c === undefined || s === undefined)
      throw new Error(`link ${link.index} names an unknown node; validate with parseTopology first`);
    clientOf[i] = c;
    serverOf[i] = s;
    let list = linksByGroup.get(link.group);
    if (!list) linksByGroup.set(link.group, (list = []));
    list.push(i);
  });

  const local = new Int32Array(topology.nodes.length).fill(-1);
  const graphs: GroupGraph[] = [];
  for (const [group, linkPositions] of linksByGroup) {
    const members: number[] = [];
    const join = (g: number) => {
      if (local[g] === -1) {
        local[g] = 0;
        members.push(g);
      }
    };
    for (const li of linkPositions) {
      join(clientOf[li]);
      join(serverOf[li]);
    }
    members.sort((a, b) => a - b);
    members.forEach((g, i) => (local[g] = i));

    const n = members.length;
    const m = linkPositions.length;
    const client = new Int32Array(m);
    const server = new Int32Array(m);
    const mutual = new Uint8Array(m);
    const linkIndex = new Int32Array(m);
    const isServer = new Uint8Array(n);
    const isClient = new Uint8Array(n);
    const needsRoots = new Uint8Array(n);
    const needsCert = new Uint8Array(n);
    const incStart = new Int32Array(n + 1);
    linkPositions.forEach((li, k) => {
      const link = topology.links[li];
      const c = local[clientOf[li]];
      const s = local[serverOf[li]];
      client[k] = c;
      server[k] = s;
      linkIndex[k] = link.index;
      const isMutual = link.auth === "mutual";
      mutual[k] = isMutual ? 1 : 0;
      isClient[c] = 1;
      isServer[s] = 1;
      needsRoots[c] = 1;
      needsCert[s] = 1;
      if (isMutual) {
        needsCert[c] = 1;
        needsRoots[s] = 1;
      }
      incStart[c + 1]++;
      incStart[s + 1]++;
    });
    for (let v = 0; v < n; v++) incStart[v + 1] += incStart[v];
    const fill = incStart.slice(0, n);
    const incLinks = new Int32Array(2 * m);
    for (let k = 0; k < m; k++) {
      incLinks[fill[client[k]]++] = k;
      incLinks[fill[server[k]]++] = k;
    }
    for (const g of members) local[g] = -1;

    graphs.push({
      group,
      nodeIds: members.map((g) => topology.nodes[g].id),
      nodeGlobal: Int32Array.from(members),
      linkIndex,
      client,
      server,
      mutual,
      incStart,
      incLinks,
      isServer,
      isClient,
      needsRoots,
      needsCert,
    });
  }
  return graphs;
}
