/**
 * Root-key update across a client/server topology (SPEC §4; seeds 002 and 004).
 * Plain TypeScript with no Node, Next.js or database imports, so the web UI can use it too.
 *
 * Typical use:
 *   const parsed = parseTopology(json);                 // validate + defaults, errors carry path/nodeId/linkIndex
 *   if (!parsed.ok) show(parsed.errors);
 *   const planned = planUpdate(parsed.topology, { mode: "stepwise", schedule: "minimal" });
 *   if (!planned.ok) show(planned.errors);              // e.g. bundled mode impossible for this group
 *   for (const group of planned.plan.groups) {
 *     group.tasks;                                      // id, kind, node, after, preferredAfter, route, hops, phase, request
 *     const sim = simulate(parsed.topology, group, myOrder); // per-step diffs; sim.stateAt(k) = full state after k steps
 *     checkOrder(parsed.topology, group, myOrder);      // { kind: "ok" } | { kind: "failure", step, task, link, reason } | { kind: "invalid-order", errors }
 *   }
 *
 * Task ids: `create-root`, `store-root:N`, `store-cert:N`, `replace-root:N` (stepwise);
 * `create-root-bundle`, `bundle:N`, `discard-old:N` (bundled). Ids are unique within a group.
 */

export type {
  AuthMode,
  CertName,
  Delivery,
  GroupPlan,
  LinkRef,
  LinkState,
  LinkStatus,
  Mode,
  NodeStore,
  ParseResult,
  PlanError,
  PlannedTask,
  PlanOptions,
  PlanResult,
  RootName,
  RouteHop,
  ScheduleName,
  TaskKind,
  Topology,
  TopologyError,
  TopologyLink,
  TopologyNode,
  UpdatePlan,
} from "./model";
export { DEFAULT_GROUP } from "./model";

/** parseTopology(input: unknown): ParseResult — zod types, then semantic checks; fills defaults. */
export { parseTopology } from "./validate";

/** computeRoutes(topology): Routing — relay paths (BFS from direct nodes) and push/poll per hop. */
export { computeRoutes, type Routing } from "./routing";

/** planUpdate(topology, options?): PlanResult — one GroupPlan per root key group. */
export { planUpdate } from "./planner";

/**
 * simulate(topology, groupPlan, order?): Simulation — steps: StepDiff[] (node store before/after,
 * changed link statuses, failure), firstFailure, stateAt(k): SimState.
 */
export { simulate, type LinkChange, type SimState, type Simulation, type StepDiff, type StepFailure } from "./simulator";

/**
 * checkOrder(topology, groupPlan, order: unknown): CheckResult for one group;
 * checkOrders(topology, plan, input: string[] | Record<group, string[]>): CheckResult for all groups.
 */
export { checkOrder, checkOrders, type CheckResult, type OrderError } from "./checker";

/** runPlanCommand(args, readText): CommandOutput — the `rootline plan` command as a pure function. */
export { checkToJson, planToJson, runPlanCommand, type CommandOutput, type PlanCommandArgs } from "./command";
