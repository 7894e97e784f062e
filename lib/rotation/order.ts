import { taskIndexOf, type TaskTable } from "./tasks";

/** Why an order is not a complete order of a group's tasks. */
export interface OrderError {
  message: string;
  group?: string;
  task?: string;
  /** 1-based position in the order. */
  step?: number;
}

/**
 * Checks that `order` is an array of the table's task ids, each at most once, and (unless
 * `allowPrefix`) every task exactly once. Returns the task indices or every problem found.
 */
export function validateOrder(
  table: TaskTable,
  order: unknown,
  allowPrefix = false,
): { ok: true; tasks: Int32Array } | { ok: false; errors: OrderError[] } {
  const group = table.graph.group;
  if (!Array.isArray(order)) return { ok: false, errors: [{ group, message: "the order must be a JSON array of task ids" }] };
  const index = taskIndexOf(table);
  const seenAt = new Int32Array(table.count);
  const tasks = new Int32Array(order.length);
  const errors: OrderError[] = [];
  order.forEach((id: unknown, i) => {
    const step = i + 1;
    if (typeof id !== "string") {
      errors.push({ group, step, message: `entry ${step} is not a task id string` });
      return;
    }
    const t = index.get(id);
    if (t === undefined) errors.push({ group, step, task: id, message: `unknown task "${id}" in group "${group}"` });
    else if (seenAt[t]) errors.push({ group, step, task: id, message: `task "${id}" is repeated (first at step ${seenAt[t]})` });
    else {
      seenAt[t] = step;
      tasks[i] = t;
    }
  });
  if (!allowPrefix)
    for (let t = 0; t < table.count; t++)
      if (!seenAt[t]) errors.push({ group, task: table.ids[t], message: `task "${table.ids[t]}" is missing` });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, tasks };
}

