/** `rootline rotation status ID --json`: exactly the contract's shape. */
import { db } from "../db";
import { NotFoundError } from "../errors";
import type { RunState, TaskState } from "./engine";

export interface RunStatus {
  id: string;
  state: RunState;
  tasks: { id: string; node: string | null; kind: string; state: TaskState; attempts: number; lastError: string | null }[];
}

export async function runStatus(runId: string): Promise<RunStatus> {
  const run = await db().rotationRun.findUnique({ where: { id: runId }, select: { id: true, state: true } });
  if (!run) throw new NotFoundError("id", `no rotation run with id "${runId}"`);
  const tasks = await db().rotationTask.findMany({ where: { runId }, orderBy: { seq: "asc" }, select: { taskId: true, node: true, kind: true, state: true, attempts: true, lastError: true } });
  return {
    id: run.id,
    state: run.state as RunState,
    tasks: tasks.map((t) => ({ id: t.taskId, node: t.node, kind: t.kind, state: t.state as TaskState, attempts: t.attempts, lastError: t.lastError })),
  };
}
