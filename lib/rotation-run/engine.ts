/**
 * The run engine (docs/ROTATION_RUNS.md "The engine"): dispatch, results, failures and
 * timeouts, resume, finish. Every state change runs inside a database transaction (the
 * caller's, or one of its own) with its audit events; the database is the only state, so any
 * process (the app, the test server, a restarted one) continues a run.
 */
import { appendAudit } from "../audit";
import type { Actor } from "../auth/actor";
import { requirePermission } from "../auth/roles";
import { db, sqlDialect, type Tx } from "../db";
import { ConflictError, NotFoundError } from "../errors";
import { parseCertificateDer } from "../pki/certificate";
import { sha256Hex } from "../pki/fingerprint";
import { runKeyColumns } from "../keys";
import { markSupersededMany } from "../store/state";
import { forgetRun, runContext, signRequest, type RunContext, type TaskDef } from "./context";
import type { TaskResult } from "./protocol";

/** Changes the engine makes on its own (timeouts, results relayed by agents). */
export const ENGINE_ACTOR: Actor = { kind: "system", name: "rotation", role: "administrator" };

export type TaskState = "waiting" | "sent" | "delivered" | "succeeded" | "failed";
export type RunState = "running" | "succeeded" | "failed";

interface TaskRow {
  taskId: string;
  state: string;
  attempts: number;
  consecutiveFailures: number;
}

const TASK_ROW = { taskId: true, state: true, attempts: true, consecutiveFailures: true } as const;

/** Sends (or resends) tasks: a new signed request, attempt + 1, state `sent`; route[0]'s next poll picks it up. */
async function send(tx: Tx, ctx: RunContext, rows: readonly TaskRow[], now: Date): Promise<void> {
  for (const row of rows) {
    const def = ctx.tasks.get(row.taskId)!;
    const attempt = row.attempts + 1;
    const request = await signRequest(ctx, def, attempt, now);
    await tx.rotationTask.update({
      where: { runId_taskId: { runId: ctx.id, taskId: row.taskId } },
      data: { state: "sent" satisfies TaskState, attempts: attempt, request, sentAt: now, pickedUpAt: null, deliveredAt: null },
    });
  }
}

/** Waiting tasks among `candidates` whose gating predecessors all succeeded. */
async function ready(tx: Tx, ctx: RunContext, candidates: Iterable<string>): Promise<TaskRow[]> {
  const cands = [...new Set(candidates)];
  if (cands.length === 0) return [];
  const preds = new Set(cands.flatMap((c) => ctx.tasks.get(c)?.after ?? []));
  const rows = await tx.rotationTask.findMany({ where: { runId: ctx.id, taskId: { in: [...new Set([...cands, ...preds])] } }, select: TASK_ROW });
  const byId = new Map(rows.map((r) => [r.taskId, r]));
  return cands
    .map((c) => byId.get(c))
    .filter((r): r is TaskRow => !!r && r.state === "waiting" && ctx.tasks.get(r.taskId)!.after.every((p) => byId.get(p)?.state === "succeeded"));
}

/** Sends every waiting task whose predecessors succeeded (start, resume). */
export async function dispatchReady(tx: Tx, ctx: RunContext, now: Date): Promise<number> {
  const waiting = await tx.rotationTask.findMany({ where: { runId: ctx.id, state: "waiting" }, select: { taskId: true } });
  const rows = await ready(tx, ctx, waiting.map((w) => w.taskId));
  await send(tx, ctx, rows, now);
  return rows.length;
}

/**
 * One failed attempt (a failure report or a timeout): counted, and resent, until the task's
 * consecutive failures reach the run's limit; then the task and the run are failed.
 */
async function failAttempt(tx: Tx, ctx: RunContext, row: TaskRow, error: string, now: Date): Promise<void> {
  const consecutive = row.consecutiveFailures + 1;
  const where = { runId_taskId: { runId: ctx.id, taskId: row.taskId } };
  if (consecutive < ctx.maxFailures) {
    await tx.rotationTask.update({ where, data: { consecutiveFailures: consecutive, lastError: error } });
    await send(tx, ctx, [row], now);
    return;
  }
  const def = ctx.tasks.get(row.taskId)!;
  await tx.rotationTask.update({ where, data: { state: "failed" satisfies TaskState, consecutiveFailures: consecutive, lastError: error, completedAt: now } });
  const failure = `${row.taskId} failed ${consecutive} times in a row: ${error}`;
  await tx.rotationRun.update({ where: { id: ctx.id }, data: { state: "failed" satisfies RunState, failedAt: now, failure } });
  await appendAudit(tx, ENGINE_ACTOR, { action: "rotation.task-failed", targetType: "rotation-run", targetId: ctx.id, after: { task: row.taskId, node: def.node, attempts: row.attempts, consecutiveFailures: consecutive, lastError: error } });
  await appendAudit(tx, ENGINE_ACTOR, { action: "rotation.fail", targetType: "rotation-run", targetId: ctx.id, before: { state: "running" }, after: { state: "failed", task: row.taskId, failure } });
}

/** Verified results of one poll, applied in the caller's transaction. Returns how many changed a task. */
export async function applyResults(tx: Tx, results: readonly TaskResult[], now: Date): Promise<number> {
  const byRun = new Map<string, TaskResult[]>();
  for (const r of results) (byRun.get(r.run) ?? byRun.set(r.run, []).get(r.run)!).push(r);
  let changed = 0;
  for (const [runId, list] of byRun) {
    const ctx = await runContext(tx, runId);
    if (!ctx) continue;
    const run = await tx.rotationRun.findUnique({ where: { id: runId }, select: { state: true } });
    if (!run || run.state === "succeeded") continue;
    const running = run.state === "running";
    const succeeded: string[] = [];
    for (const r of list) {
      const def = ctx.tasks.get(r.task);
      // A node reports only its own tasks (the envelope was verified with r.node's key).
      if (!def || def.node !== r.node || r.topology !== ctx.topologyId) continue;
      const row = await tx.rotationTask.findUnique({ where: { runId_taskId: { runId, taskId: r.task } }, select: TASK_ROW });
      if (!row || row.state === "succeeded" || row.state === "waiting") continue;
      const where = { runId_taskId: { runId, taskId: r.task } };
      if (r.outcome === "succeeded") {
        // A success of an earlier attempt still means the node applied the request.
        await tx.rotationTask.update({ where, data: { state: "succeeded" satisfies TaskState, consecutiveFailures: 0, completedAt: now } });
        succeeded.push(r.task);
        changed++;
        continue;
      }
      if (r.attempt !== row.attempts) continue; // about an attempt that was already resent
      if (r.outcome === "delayed") {
        if (row.state === "sent") await tx.rotationTask.update({ where, data: { state: "delivered" satisfies TaskState, deliveredAt: now } });
        changed++;
        continue;
      }
      const error = r.error ?? "the node reported a failure without a reason";
      // A failed run sends nothing more; a late failure is recorded, not retried.
      if (!running || row.state === "failed") await tx.rotationTask.update({ where, data: { lastError: error } });
      else await failAttempt(tx, ctx, row, error, now);
      changed++;
    }
    if (!succeeded.length || !running) continue;
    const current = await tx.rotationRun.findUnique({ where: { id: runId }, select: { state: true } });
    if (current?.state !== "running") continue;
    await send(tx, ctx, await ready(tx, ctx, succeeded.flatMap((s) => ctx.tasks.get(s)!.dependents)), now);
    if ((await tx.rotationTask.count({ where: { runId, state: { not: "succeeded" } } })) === 0) await finish(tx, ctx, now);
  }
  return changed;
}

/**
 * Every task succeeded: the issuer's certificate, key and subject become the new root's, the old
 * root is kept sealed (RetiredRoot), the nodes' old certificates are superseded and the new ones
 * recorded, the CRL is marked stale (it is re-signed with the new key on its next read).
 */
async function finish(tx: Tx, ctx: RunContext, now: Date): Promise<void> {
  const run = await tx.rotationRun.findUniqueOrThrow({ where: { id: ctx.id }, select: { id: true, newKeySealed: true, newRootDer: true, newSubject: true, oldSubject: true, createdAt: true, topologyId: true, group: true } });
  const issuer = await tx.issuer.findUniqueOrThrow({ where: { id: ctx.issuerId }, select: { id: true, name: true, subject: true, keyType: true, certificateDer: true, sealedKey: true, keyStorage: true, keyRef: true } });
  const retired = await tx.retiredRoot.create({
    data: { issuerId: issuer.id, subject: issuer.subject, keyType: issuer.keyType, certificateDer: issuer.certificateDer as Uint8Array<ArrayBuffer>, sealedKey: issuer.sealedKey as Uint8Array<ArrayBuffer>, retiredAt: now, runId: ctx.id },
    select: { id: true },
  });
  const newRoot = parseCertificateDer(run.newRootDer, "newRoot");
  await tx.issuer.update({
    where: { id: issuer.id },
    // A token issuer's new root key stays in its token (lib/keys): the row then points at it.
    data: { certificateDer: run.newRootDer, ...runKeyColumns(run, issuer), subject: run.newSubject, notBefore: newRoot.notBefore, notAfter: newRoot.notAfter, crlStale: true },
  });
  const delivered = await tx.rotationTask.findMany({ where: { runId: ctx.id, newCertificateId: { not: null } }, select: { node: true, newCertificateId: true } });
  const nodes = delivered.map((d) => d.node!);
  const previous = await tx.topologyNodeCertificate.findMany({ where: { topologyId: run.topologyId, group: run.group, nodeId: { in: nodes } }, select: { certificateId: true } });
  const superseded = await markSupersededMany(tx, previous.map((p) => p.certificateId));
  if (delivered.length) {
    const pairs = JSON.stringify(delivered.map((d) => [d.node, d.newCertificateId]));
    await tx.$executeRaw`
      UPDATE "TopologyNodeCertificate" SET "certificateId" = "j"."value" ->> 1
      FROM ${sqlDialect().jsonRows(pairs, "j")}
      WHERE "TopologyNodeCertificate"."topologyId" = ${run.topologyId} AND "TopologyNodeCertificate"."group" = ${run.group} AND "TopologyNodeCertificate"."nodeId" = "j"."value" ->> 0`;
  }
  await tx.rotationRun.update({ where: { id: ctx.id }, data: { state: "succeeded" satisfies RunState, activeIssuerId: null, finishedAt: now } });
  const tasks = await tx.rotationTask.count({ where: { runId: ctx.id } });
  await appendAudit(tx, ENGINE_ACTOR, { action: "rotation.complete", targetType: "rotation-run", targetId: ctx.id, before: { state: "running" }, after: { state: "succeeded", tasks, seconds: Math.round((now.getTime() - run.createdAt.getTime()) / 1000) } });
  await appendAudit(tx, ENGINE_ACTOR, {
    action: "issuer.root-key-change",
    targetType: "issuer",
    targetId: issuer.id,
    before: { subject: issuer.subject, fingerprint: sha256Hex(issuer.certificateDer) },
    after: { subject: run.newSubject, fingerprint: sha256Hex(run.newRootDer), retiredRoot: retired.id, run: ctx.id, nodeCertificatesSuperseded: superseded },
  });
  forgetRun(ctx.id);
}

/** Timeouts of every running run: no answer within the task timeout counts one failure and resends. */
export async function tickRuns(now: Date = new Date()): Promise<{ timedOut: number }> {
  const runs = await db().rotationRun.findMany({ where: { state: "running" }, select: { id: true, taskTimeoutS: true } });
  let timedOut = 0;
  for (const run of runs) {
    const cutoff = new Date(now.getTime() - run.taskTimeoutS * 1000);
    const overdue = { runId: run.id, OR: [{ state: "sent", sentAt: { lt: cutoff } }, { state: "delivered", deliveredAt: { lt: cutoff } }] };
    if ((await db().rotationTask.count({ where: overdue })) === 0) continue;
    timedOut += await db().$transaction(async (tx) => {
      // Re-read under the write lock: another process may have answered or ticked meanwhile.
      const state = await tx.rotationRun.findUnique({ where: { id: run.id }, select: { state: true } });
      if (state?.state !== "running") return 0;
      const ctx = await runContext(tx, run.id);
      if (!ctx) return 0;
      const rows = await tx.rotationTask.findMany({ where: overdue, select: { ...TASK_ROW, state: true } });
      let n = 0;
      for (const row of rows) {
        const current = await tx.rotationRun.findUnique({ where: { id: run.id }, select: { state: true } });
        if (current?.state !== "running") break;
        await failAttempt(tx, ctx, row, `no answer within ${run.taskTimeoutS} s (attempt ${row.attempts}${row.state === "delivered" ? ", delivered" : ""})`, now);
        n++;
      }
      return n;
    });
  }
  return { timedOut };
}

/** Continues a failed run: the failed tasks' counters are reset, and everything unfinished is sent again. */
export async function resumeRun(actor: Actor, runId: string, now: Date = new Date()): Promise<{ id: string; state: RunState; resent: number }> {
  requirePermission(actor.role, "topologies:write");
  requirePermission(actor.role, "issuers:write");
  return db().$transaction(async (tx) => {
    const run = await tx.rotationRun.findUnique({ where: { id: runId }, select: { id: true, state: true } });
    if (!run) throw new NotFoundError("id", `no rotation run with id "${runId}"`);
    if (run.state === "succeeded") throw new ConflictError("id", `run ${runId} has already succeeded`);
    const ctx = (await runContext(tx, runId))!;
    const failed = await tx.rotationTask.findMany({ where: { runId, state: "failed" }, select: { taskId: true } });
    await tx.rotationTask.updateMany({ where: { runId, state: "failed" }, data: { consecutiveFailures: 0 } });
    await tx.rotationRun.update({ where: { id: runId }, data: { state: "running" satisfies RunState, failedAt: null, failure: null } });
    await appendAudit(tx, actor, { action: "rotation.resume", targetType: "rotation-run", targetId: runId, before: { state: run.state }, after: { state: "running", reset: failed.map((f) => f.taskId) } });
    // What was in flight when the run stopped may be lost: send it again as new attempts, with the reset failed tasks.
    const resend = await tx.rotationTask.findMany({ where: { runId, state: { in: ["failed", "sent", "delivered"] } }, select: TASK_ROW });
    await send(tx, ctx, resend, now);
    const more = await dispatchReady(tx, ctx, now);
    if ((await tx.rotationTask.count({ where: { runId, state: { not: "succeeded" } } })) === 0) {
      await finish(tx, ctx, now);
      return { id: runId, state: "succeeded" as RunState, resent: 0 };
    }
    return { id: runId, state: "running" as RunState, resent: resend.length + more };
  });
}

export type { TaskDef };
