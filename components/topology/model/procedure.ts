/**
 * What the procedure panel shows of a plan: each task's route as text, the task graph laid out by
 * phase, a moved step, and a checker verdict as one sentence. Pure, linear in the plan's size.
 */
import type { CheckResult, GroupPlan, PlannedTask, TaskKind } from "@/lib/rotation";

/** "CA → 30-1 → 40-3 (poll)": how the CA's request reaches the node; each relay hop says how it is delivered. */
export function formatRoute(task: Pick<PlannedTask, "node" | "route" | "hops">): string {
  if (task.node === null) return "CA (its own task)";
  if (task.route.length === 0) return "CA → unreachable";
  let out = `CA → ${task.route[0]}`;
  task.hops.forEach((hop) => (out += ` → ${hop.to} (${hop.delivery})`));
  return out;
}

/** What a task does, in the words of SPEC §4.2/4.3 (tooltips and the step list). */
export const KIND_TEXT: Record<TaskKind, string> = {
  "create-root": "CA creates the new root key and the distribution root certificate",
  "store-root": "stores the distribution root certificate, keeping the old root",
  "store-cert": "stores its certificate re-signed with the new root key",
  "replace-root": "stores the new root and deletes the distribution and old roots",
  "create-root-bundle": "CA creates the new root key, the distribution and the new root certificates",
  bundle: "stores the distribution root, the new root and its new certificate",
  "discard-old": "drops the distribution root, the old root and its old certificate",
};

export interface TaskGraphNode {
  id: string;
  task: PlannedTask;
  x: number;
  y: number;
}

export interface TaskGraphEdge {
  id: string;
  from: string;
  to: string;
  preferred: boolean;
}

export const TASK_BOX = { width: 168, height: 34, columnGap: 90, rowGap: 10 } as const;

/**
 * One column per phase, tasks in plan order within it; an edge for every mandatory and preferred
 * predecessor. `center` centres short columns on the tallest (good for a small plan seen whole;
 * a large plan is read from the top, so its columns start at the top).
 */
export function layoutTaskGraph(plan: GroupPlan, center = true): { nodes: TaskGraphNode[]; edges: TaskGraphEdge[] } {
  const rows = new Map<number, number>();
  const nodes: TaskGraphNode[] = [];
  const edges: TaskGraphEdge[] = [];
  for (const task of plan.tasks) {
    const row = rows.get(task.phase) ?? 0;
    rows.set(task.phase, row + 1);
    nodes.push({ id: task.id, task, x: task.phase * (TASK_BOX.width + TASK_BOX.columnGap), y: row * (TASK_BOX.height + TASK_BOX.rowGap) });
    for (const p of task.after) edges.push({ id: `${p}>${task.id}`, from: p, to: task.id, preferred: false });
    for (const p of task.preferredAfter) edges.push({ id: `${p}>>${task.id}`, from: p, to: task.id, preferred: true });
  }
  if (!center) return { nodes, edges };
  let tallest = 0;
  for (const n of rows.values()) tallest = Math.max(tallest, n);
  for (const n of nodes) n.y += ((tallest - (rows.get(n.task.phase) ?? 0)) * (TASK_BOX.height + TASK_BOX.rowGap)) / 2;
  return { nodes, edges };
}

/** The order with the item at `from` moved to position `to` (both 0-based); same array if nothing moves. */
export function moveStep<T>(order: readonly T[], from: number, to: number): readonly T[] {
  if (from === to || from < 0 || from >= order.length || to < 0 || to >= order.length) return order;
  const next = order.slice();
  const [item] = next.splice(from, 1);
  next.splice(to, 0, item);
  return next;
}

/** The checker's verdict as the one sentence the panel shows ("step 5: server 30-1 replaced ..."). */
export function describeCheck(result: CheckResult): string {
  switch (result.kind) {
    case "ok":
      return "every link authenticates at every step of this order";
    case "invalid-order":
      return result.errors.map((e) => e.message).join("; ");
    case "failure":
      // Authentication failures name both nodes; verification failures name the node that refused.
      return `step ${result.step} (${result.task}): ${result.reason}`;
  }
}
