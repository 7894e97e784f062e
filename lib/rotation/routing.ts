import type { Delivery, RouteHop, Topology } from "./model";

/**
 * Relay paths from the CA's direct nodes to every node (SPEC §4.4).
 *
 * A hop u → v is usable only over an authenticated channel in which v authenticates u,
 * because v acts on what u relays:
 * - mutual link: either direction (client → server is "push", server → client is "poll",
 *   answered on the client's next periodic connection);
 * - one-way link: only server → client ("poll"); the server does not authenticate the client,
 *   so it must not take update requests from it.
 * Links of every root key group count: each is its own authenticated channel, and every group's
 * plan keeps all of its links authenticated at every step, so relaying for another group is safe.
 */
export interface Routing {
  /** Node ids from a direct node to the target; [target] for a direct node; [] if unreachable. */
  route(nodeId: string): readonly string[];
  /** The hops of `route(nodeId)`. */
  hops(nodeId: string): readonly RouteHop[];
  /** `route` by position in `topology.nodes` (no id lookup). */
  routeAt(nodeIndex: number): readonly string[];
  /** `hops` by position in `topology.nodes`. */
  hopsAt(nodeIndex: number): readonly RouteHop[];
  /** Number of relay hops; -1 when unreachable or unknown. */
  distance(nodeId: string): number;
  /** Ids of the nodes no direct node reaches, in node order. */
  unreachable: string[];
}

const EMPTY: readonly never[] = Object.freeze([]);

/** Multi-source BFS from the direct nodes; O(nodes + links). Ties prefer a push hop. */
export function computeRoutes(topology: Topology): Routing {
  const { nodes, links } = topology;
  const n = nodes.length;
  const indexOf = new Map<string, number>();
  nodes.forEach((node, i) => {
    if (!indexOf.has(node.id)) indexOf.set(node.id, i);
  });

  // Endpoints per link (-1: not a usable link), then CSR of directed hop arcs. arcLink holds the
  // link index for a push hop (client → server) and -index-1 for a poll hop (server → client).
  const m = links.length;
  const from = new Int32Array(m);
  const to = new Int32Array(m);
  const start = new Int32Array(n + 1);
  for (let k = 0; k < m; k++) {
    const c = indexOf.get(links[k].client) ?? -1;
    const s = indexOf.get(links[k].server) ?? -1;
    const usable = c >= 0 && s >= 0 && c !== s;
    from[k] = usable ? c : -1;
    to[k] = usable ? s : -1;
    if (!usable) continue;
    start[s + 1]++;
    if (links[k].auth === "mutual") start[c + 1]++;
  }
  for (let i = 0; i < n; i++) start[i + 1] += start[i];
  const fill = start.slice(0, n);
  const arcTo = new Int32Array(start[n]);
  const arcLink = new Int32Array(start[n]);
  for (let k = 0; k < m; k++) {
    const c = from[k];
    const s = to[k];
    if (c < 0) continue;
    let slot = fill[s]++;
    arcTo[slot] = c; // poll: the server answers the client's next poll
    arcLink[slot] = -links[k].index - 1;
    if (links[k].auth === "mutual") {
      slot = fill[c]++;
      arcTo[slot] = s; // push: the client connects to its server
      arcLink[slot] = links[k].index;
    }
  }

  const dist = new Int32Array(n).fill(-1);
  const parent = new Int32Array(n).fill(-1);
  const parentLink = new Int32Array(n); // encoded like arcLink
  const queue = new Int32Array(n);
  let head = 0;
  let tail = 0;
  for (let i = 0; i < n; i++) {
    if (nodes[i].direct && indexOf.get(nodes[i].id) === i) {
      dist[i] = 0;
      queue[tail++] = i;
    }
  }
  while (head < tail) {
    const u = queue[head++];
    for (let a = start[u]; a < start[u + 1]; a++) {
      const v = arcTo[a];
      if (dist[v] === -1) {
        dist[v] = dist[u] + 1;
        parent[v] = u;
        parentLink[v] = arcLink[a];
        queue[tail++] = v;
      } else if (dist[v] === dist[u] + 1 && parentLink[v] < 0 && arcLink[a] >= 0) {
        // Same length, but this hop is delivered at once instead of waiting for a poll.
        parent[v] = u;
        parentLink[v] = arcLink[a];
      }
    }
  }

  const routeCache: (readonly string[] | undefined)[] = new Array(n);
  const hopCache: (readonly RouteHop[] | undefined)[] = new Array(n);
  // Built iteratively from the parent chain so relay paths of any length cannot overflow the stack.
  const routeOfIndex = (i: number): readonly string[] => {
    const cached = routeCache[i];
    if (cached) return cached;
    if (dist[i] < 0) return EMPTY;
    const path: string[] = new Array(dist[i] + 1);
    for (let v = i, k = dist[i]; k >= 0; v = parent[v], k--) path[k] = nodes[v].id;
    return (routeCache[i] = Object.freeze(path));
  };
  const hopsOfIndex = (i: number): readonly RouteHop[] => {
    const cached = hopCache[i];
    if (cached) return cached;
    if (dist[i] <= 0) return EMPTY;
    const hops: RouteHop[] = new Array(dist[i]);
    for (let v = i, k = dist[i] - 1; k >= 0; v = parent[v], k--) {
      const encoded = parentLink[v];
      const delivery: Delivery = encoded >= 0 ? "push" : "poll";
      hops[k] = {
        from: nodes[parent[v]].id,
        to: nodes[v].id,
        delivery,
        linkIndex: encoded >= 0 ? encoded : -encoded - 1,
      };
    }
    return (hopCache[i] = Object.freeze(hops));
  };

  const unreachable: string[] = [];
  for (let i = 0; i < n; i++) if (dist[i] < 0 && indexOf.get(nodes[i].id) === i) unreachable.push(nodes[i].id);

  return {
    routeAt: (i) => (i >= 0 && i < n ? routeOfIndex(i) : EMPTY),
    hopsAt: (i) => (i >= 0 && i < n ? hopsOfIndex(i) : EMPTY),
    route: (id) => {
      const i = indexOf.get(id);
      return i === undefined ? EMPTY : routeOfIndex(i);
    },
    hops: (id) => {
      const i = indexOf.get(id);
      return i === undefined ? EMPTY : hopsOfIndex(i);
    },
    distance: (id) => {
      const i = indexOf.get(id);
      return i === undefined ? -1 : dist[i];
    },
    unreachable,
  };
}
