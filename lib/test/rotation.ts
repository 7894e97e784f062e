/** Helpers shared by the rotation tests (not part of the public API). */
import fc from "fast-check";
import type { Csr } from "../rotation/dag";
import type { GroupPlan, PlanOptions, Topology } from "../rotation/model";
import { planUpdate } from "../rotation/planner";
import { computeRoutes } from "../rotation/routing";
import { GroupState, stepFailure, type StepFailure } from "../rotation/simulator";
import type { TaskTable } from "../rotation/tasks";
import { parseTopology } from "../rotation/validate";

type NodeSpec = string | { id: string; direct?: boolean; acceptsConnections?: boolean };
type LinkSpec = [client: string, server: string, group?: string, auth?: "mutual" | "one-way"];

/** Builds and validates a topology; node ids prefixed with "*" are direct. */
export function topo(nodes: NodeSpec[], links: LinkSpec[]): Topology {
  const parsed = parseTopology({
    nodes: nodes.map((n) => (typeof n === "string" ? (n.startsWith("*") ? { id: n.slice(1), direct: true } : { id: n }) : n)),
    links: links.map(([client, server, group, auth]) => ({ client, server, ...(group ? { group } : {}), ...(auth ? { auth } : {}) })),
  });
  if (!parsed.ok) throw new Error(`test topology invalid: ${JSON.stringify(parsed.errors)}`);
  return parsed.topology;
}

export function plan(topology: Topology, options: PlanOptions = {}): GroupPlan[] {
  const result = planUpdate(topology, options);
  if (!result.ok) throw new Error(`planning failed: ${JSON.stringify(result.errors)}`);
  return result.plan.groups;
}

export function onlyGroup(topology: Topology, options: PlanOptions = {}): GroupPlan {
  const groups = plan(topology, options);
  if (groups.length !== 1) throw new Error(`expected one group, got ${groups.length}`);
  return groups[0];
}

/** "a -> b" strings, sorted, for exact comparison. */
export function edgesOf(group: GroupPlan): { mandatory: string[]; preferred: string[] } {
  const mandatory: string[] = [];
  const preferred: string[] = [];
  for (const t of group.tasks) {
    for (const p of t.after) mandatory.push(`${p} -> ${t.id}`);
    for (const p of t.preferredAfter) preferred.push(`${p} -> ${t.id}`);
  }
  return { mandatory: mandatory.sort(), preferred: preferred.sort() };
}

/** Translates seed-numbered edges ("S->1") to task-id edges with a number → task id map. */
export function seedEdges(names: Record<string, string>, edges: string[]): string[] {
  return edges
    .map((e) => {
      const [a, b] = e.split("->").map((x) => x.trim());
      if (!(a in names) || !(b in names)) throw new Error(`unmapped seed number in ${e}`);
      return `${names[a]} -> ${names[b]}`;
    })
    .sort();
}

/** Mandatory CSR without one edge (from → to). */
export function withoutEdge(csr: Csr, from: number, to: number): Csr {
  const start = new Int32Array(csr.start.length);
  const pred: number[] = [];
  for (let t = 0; t + 1 < csr.start.length; t++) {
    for (let i = csr.start[t]; i < csr.start[t + 1]; i++) if (!(t === to && csr.pred[i] === from)) pred.push(csr.pred[i]);
    start[t + 1] = pred.length;
  }
  return { start, pred: Int32Array.from(pred) };
}

/** Is there a path from → to using the edges of csr (predecessor lists)? */
export function reaches(csr: Csr, from: number, to: number): boolean {
  const seen = new Set<number>([to]);
  const stack = [to];
  while (stack.length > 0) {
    const t = stack.pop()!;
    for (let i = csr.start[t]; i < csr.start[t + 1]; i++) {
      const p = csr.pred[i];
      if (p === from) return true;
      if (!seen.has(p)) {
        seen.add(p);
        stack.push(p);
      }
    }
  }
  return false;
}

/**
 * Explores every order of the table's tasks that respects `constraints`, by DFS over the reachable
 * states (set of done tasks + node stores), so every prefix of every linearization is checked
 * without enumerating the (exponentially many) linearizations one by one. Returns the first
 * failure found (with the prefix that reaches it) and the number of states explored.
 */
export function exploreOrders(
  table: TaskTable,
  constraints: Csr,
): { failure: (StepFailure & { prefix: string[] }) | null; states: number } {
  if (table.count > 30) throw new Error("exploreOrders is for small topologies");
  const visited = new Set<string>();
  const prefix: number[] = [];
  const ready = (done: number, t: number) => {
    if (done & (1 << t)) return false;
    for (let i = constraints.start[t]; i < constraints.start[t + 1]; i++) if (!(done & (1 << constraints.pred[i]))) return false;
    return true;
  };
  const dfs = (state: GroupState, done: number): (StepFailure & { prefix: string[] }) | null => {
    const key = `${done}|${state.roots.join()}|${state.certs.join()}`;
    if (visited.has(key)) return null;
    visited.add(key);
    for (let t = 0; t < table.count; t++) {
      if (!ready(done, t)) continue;
      const next = state.clone();
      prefix.push(t);
      const failure = stepFailure(next, t, prefix.length);
      if (failure) return { ...failure, prefix: prefix.map((x) => table.ids[x]) };
      const found = dfs(next, done | (1 << t));
      if (found) return found;
      prefix.pop();
    }
    return null;
  };
  const failure = dfs(new GroupState(table), 0);
  return { failure, states: visited.size };
}

/** Every linearization of the constraints, literally (only for a handful of tasks). */
export function* linearizations(table: TaskTable, constraints: Csr): Generator<number[]> {
  const order: number[] = [];
  const done = new Uint8Array(table.count);
  function* rec(): Generator<number[]> {
    if (order.length === table.count) {
      yield [...order];
      return;
    }
    for (let t = 0; t < table.count; t++) {
      if (done[t]) continue;
      let ok = true;
      for (let i = constraints.start[t]; i < constraints.start[t + 1]; i++) if (!done[constraints.pred[i]]) ok = false;
      if (!ok) continue;
      done[t] = 1;
      order.push(t);
      yield* rec();
      order.pop();
      done[t] = 0;
    }
  }
  yield* rec();
}

/**
 * Random valid topologies: up to `maxNodes` nodes, random links (mutual or one-way) in up to
 * `maxGroups` groups, so multi-role nodes, shared clients and cycles all occur. Nodes no direct
 * node reaches are made direct, so parseTopology accepts every sample.
 */
export function arbTopology(maxNodes: number, maxLinks: number, maxGroups = 2): fc.Arbitrary<Topology> {
  return fc
    .record({
      n: fc.integer({ min: 2, max: maxNodes }),
      links: fc.array(
        fc.record({
          c: fc.nat(maxNodes - 1),
          s: fc.nat(maxNodes - 1),
          g: fc.nat(maxGroups - 1),
          oneWay: fc.boolean(),
        }),
        { minLength: 1, maxLength: maxLinks },
      ),
      direct: fc.array(fc.boolean(), { minLength: maxNodes, maxLength: maxNodes }),
    })
    .map(({ n, links, direct }) => {
      const seen = new Set<string>();
      const linkList = [];
      for (const l of links) {
        const c = l.c % n;
        const s = l.s % n;
        const key = `${c}/${s}/${l.g}`;
        if (c === s || seen.has(key)) continue;
        seen.add(key);
        linkList.push({ client: `n${c}`, server: `n${s}`, group: `g${l.g}`, auth: l.oneWay ? ("one-way" as const) : ("mutual" as const) });
      }
      if (linkList.length === 0) linkList.push({ client: "n0", server: "n1", group: "g0", auth: "mutual" as const });
      const nodes = Array.from({ length: n }, (_, i) => ({ id: `n${i}`, direct: direct[i] }));
      const draft: Topology = { nodes: nodes.map((x) => ({ ...x, acceptsConnections: true })), links: linkList.map((l, index) => ({ ...l, index })) };
      for (const id of computeRoutes(draft).unreachable) nodes.find((x) => x.id === id)!.direct = true;
      const parsed = parseTopology({ nodes, links: linkList });
      if (!parsed.ok) throw new Error(`generator produced an invalid topology: ${JSON.stringify(parsed.errors)}`);
      return parsed.topology;
    });
}
