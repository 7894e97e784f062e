import type { GroupPlan, Topology, UpdatePlan } from "./model";
import { taskTableFor } from "./planner";
import { validateOrder, type OrderError } from "./order";
import { GroupState, stepFailure, type StepFailure } from "./simulator";
import type { TaskTable } from "./tasks";

export { validateOrder, type OrderError };

/**
 * Verdict on a complete order. The verdict comes from the simulator, i.e. from authentication and
 * verification in the resulting states, never from the planner's edges: an order that ignores an
 * edge but still authenticates everywhere passes.
 * `step` is the 1-based position in the order of the task whose execution fails.
 */
export type CheckResult =
  | { kind: "ok" }
  | ({ kind: "failure"; group: string } & StepFailure)
  | { kind: "invalid-order"; errors: OrderError[] };

/** Runs the tasks from the start state and returns the first failing step, or null. */
export function firstFailure(table: TaskTable, tasks: Int32Array): StepFailure | null {
  const state = new GroupState(table);
  for (let i = 0; i < tasks.length; i++) {
    const failure = stepFailure(state, tasks[i], i + 1);
    if (failure) return failure;
  }
  return null;
}

/** Checks a complete order of one group's tasks. */
export function checkOrder(topology: Topology, plan: Pick<GroupPlan, "group" | "mode">, order: unknown): CheckResult {
  const table = taskTableFor(topology, plan);
  const valid = validateOrder(table, order);
  if (!valid.ok) return { kind: "invalid-order", errors: valid.errors };
  const failure = firstFailure(table, valid.tasks);
  return failure ? { kind: "failure", group: plan.group, ...failure } : { kind: "ok" };
}

/**
 * Checks orders for every group of a plan. `input` is either an object `{ group: [task ids] }`
 * naming every group exactly, or — when the topology has a single group — a flat array of task ids.
 * All orders are validated first; then the groups are simulated in plan order and the first
 * failure is returned (groups are independent, so each group's step numbers are its own).
 */
export function checkOrders(topology: Topology, plan: UpdatePlan, input: unknown): CheckResult {
  const groups = plan.groups;
  let perGroup: [GroupPlan, unknown][];
  if (Array.isArray(input)) {
    if (groups.length > 1)
      return {
        kind: "invalid-order",
        errors: [
          {
            message: `the topology has ${groups.length} root key groups (${groups.map((g) => JSON.stringify(g.group)).join(", ")}); give an object {"group": [task ids], ...}`,
          },
        ],
      };
    if (groups.length === 0)
      return input.length === 0
        ? { kind: "ok" }
        : { kind: "invalid-order", errors: [{ message: "the topology has no links, so the order must be empty" }] };
    perGroup = [[groups[0], input]];
  } else if (input !== null && typeof input === "object") {
    const record = input as Record<string, unknown>;
    const errors: OrderError[] = [];
    const known = new Set(groups.map((g) => g.group));
    for (const key of Object.keys(record))
      if (!known.has(key)) errors.push({ group: key, message: `unknown root key group "${key}"` });
    for (const g of groups)
      if (!Object.prototype.hasOwnProperty.call(record, g.group)) errors.push({ group: g.group, message: `no order for group "${g.group}"` });
    if (errors.length > 0) return { kind: "invalid-order", errors };
    perGroup = groups.map((g) => [g, record[g.group]]);
  } else {
    return { kind: "invalid-order", errors: [{ message: "the order must be a JSON array of task ids or an object {group: [task ids]}" }] };
  }

  const validated: [GroupPlan, TaskTable, Int32Array][] = [];
  const errors: OrderError[] = [];
  for (const [g, order] of perGroup) {
    const table = taskTableFor(topology, g);
    const valid = validateOrder(table, order);
    if (valid.ok) validated.push([g, table, valid.tasks]);
    else errors.push(...valid.errors);
  }
  if (errors.length > 0) return { kind: "invalid-order", errors };
  for (const [g, table, tasks] of validated) {
    const failure = firstFailure(table, tasks);
    if (failure) return { kind: "failure", group: g.group, ...failure };
  }
  return { kind: "ok" };
}
