import { buildBundledTasks } from "./bundled";
import { buildGroupGraphs, type GroupGraph } from "./graph";
import type { GroupPlan, Mode, PlanError, PlannedTask, PlanOptions, PlanResult, Topology } from "./model";
import { computeRoutes, type Routing } from "./routing";
import { scheduleTasks } from "./schedules";
import { buildStepwiseTasks } from "./stepwise";
import { KIND_NAMES, type TaskTable } from "./tasks";

const EMPTY: readonly never[] = Object.freeze([]);

/** The integer task table behind each plan, so simulate/check need not rebuild it. */
const tables = new WeakMap<GroupPlan, TaskTable>();

export function buildTaskTable(
  graph: GroupGraph,
  mode: Mode,
): { ok: true; table: TaskTable } | { ok: false; errors: PlanError[] } {
  return mode === "bundled" ? buildBundledTasks(graph) : { ok: true, table: buildStepwiseTasks(graph) };
}

/**
 * Plans the update procedure of every root key group of a validated topology (see parseTopology).
 * Groups are planned independently; a group that cannot be planned in the chosen mode yields errors.
 */
export function planUpdate(topology: Topology, options: PlanOptions = {}): PlanResult {
  const mode = options.mode ?? "stepwise";
  const schedule = options.schedule ?? "minimal";
  const merge = mode === "stepwise" && (options.mergeClientSteps ?? false);
  const routing = computeRoutes(topology);
  const groups: GroupPlan[] = [];
  const errors: PlanError[] = [];
  for (const graph of buildGroupGraphs(topology)) {
    const built = buildTaskTable(graph, mode);
    if (!built.ok) {
      errors.push(...built.errors);
      continue;
    }
    const plan = materialize(built.table, schedule, merge, routing);
    tables.set(plan, built.table);
    groups.push(plan);
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, plan: { groups } };
}

function materialize(table: TaskTable, schedule: GroupPlan["schedule"], merge: boolean, routing: Routing): GroupPlan {
  const { phase, order, request, requestCount } = scheduleTasks(table, schedule, merge);
  const { ids, graph } = table;
  const idsOf = (csr: TaskTable["mandatory"], t: number): readonly string[] => {
    // Most tasks have no preferred predecessor: share one empty array instead of allocating 100k.
    if (csr.start[t + 1] === csr.start[t]) return EMPTY;
    const out: string[] = new Array(csr.start[t + 1] - csr.start[t]);
    for (let i = csr.start[t]; i < csr.start[t + 1]; i++) out[i - csr.start[t]] = ids[csr.pred[i]];
    return out;
  };
  const tasks: PlannedTask[] = new Array(table.count);
  const requests: string[][] = Array.from({ length: requestCount }, () => []);
  order.forEach((t, i) => {
    const v = table.node[t];
    const nodeId = v < 0 ? null : graph.nodeIds[v];
    tasks[i] = {
      id: ids[t],
      kind: KIND_NAMES[table.kind[t]],
      node: nodeId,
      after: idsOf(table.mandatory, t),
      preferredAfter: idsOf(table.preferred, t),
      route: v < 0 ? EMPTY : routing.routeAt(graph.nodeGlobal[v]),
      hops: v < 0 ? EMPTY : routing.hopsAt(graph.nodeGlobal[v]),
      phase: phase[t],
      request: request[t] === 0 ? null : request[t],
    };
    if (request[t] > 0) requests[request[t] - 1].push(ids[t]);
  });
  return {
    group: graph.group,
    mode: table.mode,
    schedule,
    mergeClientSteps: merge,
    tasks,
    order: Array.from(order, (t) => ids[t]),
    requests,
  };
}

/**
 * The task table of a group plan: the cached one for plans made by planUpdate, otherwise rebuilt
 * from the topology (e.g. a plan read back from JSON), so it always matches the topology.
 */
export function taskTableFor(topology: Topology, plan: Pick<GroupPlan, "group" | "mode">): TaskTable {
  const cached = tables.get(plan as GroupPlan);
  if (cached) return cached;
  const graph = buildGroupGraphs(topology, plan.group)[0];
  if (!graph) throw new Error(`the topology has no link in group "${plan.group}"`);
  const built = buildTaskTable(graph, plan.mode);
  if (!built.ok) throw new Error(built.errors.map((e) => e.message).join("; "));
  return built.table;
}
