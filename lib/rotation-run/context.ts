/**
 * What the engine needs of an unfinished run that never changes while it runs: the parsed plan
 * with its dependents indexed, the old root key that signs requests, and the PEM items each
 * request delivers. Cached per process (polls are hot); the mutable state (task states,
 * attempts) always comes from the database, so a restarted process or a second one continues
 * where another stopped.
 */
import crypto from "node:crypto";
import type { Tx } from "../db";
import { pemEncode } from "../pki/pem";
import type { GroupPlan } from "../rotation";
import { issuerRootKey, runNewKey } from "../keys";
import { PROTOCOL_VERSION, signEnvelope, type JwsSigner, type NodeTaskKind, type UpdateItems, type UpdateRequest } from "./protocol";

export interface TaskDef {
  id: string;
  kind: string;
  node: string | null;
  /** Predecessors that gate dispatch: the plan's mandatory ones, or the previous task of an unsafe order. */
  after: string[];
  route: string[];
  dependents: string[];
}

export interface RunContext {
  id: string;
  topologyId: string;
  group: string;
  issuerId: string;
  maxFailures: number;
  taskTimeoutS: number;
  tasks: Map<string, TaskDef>;
  /** In this process, or in the issuer's PKCS#11 token (lib/keys). */
  oldKey: crypto.KeyObject | JwsSigner;
  /** The new root key: signs requests a target may receive after dropping the old root. */
  newKey: crypto.KeyObject | JwsSigner;
  distributionPem: string;
  newRootPem: string;
  /** The re-signed certificate a store-cert/bundle task delivers, by task id. */
  certificatePem: Map<string, string>;
}

export const CA_TASK_KINDS = new Set(["create-root", "create-root-bundle"]);

const cache = new Map<string, RunContext>();

/** Forgets every cached run (tests: a fresh engine continuing from the database). */
export function clearRunCaches(): void {
  cache.clear();
}

export function forgetRun(runId: string): void {
  cache.delete(runId);
}

/** The gating predecessors: `after` of the plan, or, for an unsafe order, a chain in that order. */
export function gatingEdges(plan: GroupPlan, unsafeOrder: string[] | null): Map<string, TaskDef> {
  const tasks = new Map<string, TaskDef>();
  for (const t of plan.tasks) tasks.set(t.id, { id: t.id, kind: t.kind, node: t.node, after: [...t.after], route: [...t.route], dependents: [] });
  // 2′ (merged client steps): a client's store-root and store-cert travel as one request. The
  // pair is sent together once store-root's predecessors succeeded; the node applies them in
  // order (store-root first: the poll hands requests out in plan order), so R2 still holds.
  if (plan.mergeClientSteps) {
    for (const request of plan.requests) {
      if (request.length !== 2) continue;
      const [root, cert] = request.map((id) => tasks.get(id));
      if (root?.kind !== "store-root" || cert?.kind !== "store-cert") continue;
      cert.after = [...new Set([...cert.after.filter((a) => a !== root.id), ...root.after])];
    }
  }
  if (unsafeOrder) {
    for (const t of tasks.values()) t.after = [];
    let prev: string | null = plan.tasks.find((t) => CA_TASK_KINDS.has(t.kind))?.id ?? null;
    for (const id of unsafeOrder) {
      const t = tasks.get(id);
      if (!t || CA_TASK_KINDS.has(t.kind)) continue;
      t.after = prev ? [prev] : [];
      prev = id;
    }
  }
  for (const t of tasks.values()) for (const p of t.after) tasks.get(p)?.dependents.push(t.id);
  return tasks;
}

export async function runContext(tx: Tx, runId: string): Promise<RunContext | null> {
  const hit = cache.get(runId);
  if (hit) return hit;
  const run = await tx.rotationRun.findUnique({
    where: { id: runId },
    select: { id: true, topologyId: true, group: true, issuerId: true, maxFailures: true, taskTimeoutS: true, plan: true, unsafeOrder: true, distributionDer: true, newRootDer: true, newKeySealed: true, state: true },
  });
  if (!run) return null;
  const issuer = await tx.issuer.findUnique({ where: { id: run.issuerId }, select: { name: true, keyType: true, certificateDer: true, sealedKey: true, keyStorage: true, keyRef: true } });
  if (!issuer) return null;
  const plan = JSON.parse(run.plan) as GroupPlan;
  const withCerts = await tx.rotationTask.findMany({ where: { runId, newCertificateId: { not: null } }, select: { taskId: true, newCertificateId: true } });
  const ders = await tx.certificate.findMany({ where: { id: { in: withCerts.map((t) => t.newCertificateId!) } }, select: { id: true, der: true } });
  const derById = new Map(ders.map((d) => [d.id, d.der]));
  const ctx: RunContext = {
    id: run.id,
    topologyId: run.topologyId,
    group: run.group,
    issuerId: run.issuerId,
    maxFailures: run.maxFailures,
    taskTimeoutS: run.taskTimeoutS,
    tasks: gatingEdges(plan, run.unsafeOrder ? (JSON.parse(run.unsafeOrder) as string[]) : null),
    // While the run is unfinished the issuer's key is still the old root's.
    oldKey: issuerRootKey(issuer).jws,
    newKey: runNewKey(run, issuer),
    distributionPem: pemEncode("CERTIFICATE", run.distributionDer),
    newRootPem: pemEncode("CERTIFICATE", run.newRootDer),
    certificatePem: new Map(withCerts.map((t) => [t.taskId, pemEncode("CERTIFICATE", derById.get(t.newCertificateId!)!)])),
  };
  // Only unfinished runs are worth keeping: a finished one's issuer key has changed.
  if (run.state !== "succeeded") cache.set(runId, ctx);
  return ctx;
}

/** What each kind delivers (docs/ROTATION_RUNS.md "What the target does"). */
export function itemsFor(ctx: Pick<RunContext, "distributionPem" | "newRootPem" | "certificatePem">, task: Pick<TaskDef, "id" | "kind">): UpdateItems {
  const certificate = ctx.certificatePem.get(task.id);
  switch (task.kind) {
    case "store-root":
      return { distribution: ctx.distributionPem };
    case "store-cert":
      return { distribution: ctx.distributionPem, certificate };
    case "replace-root":
    case "discard-old":
      return { newRoot: ctx.newRootPem };
    case "bundle":
      return certificate ? { distribution: ctx.distributionPem, newRoot: ctx.newRootPem, certificate } : { distribution: ctx.distributionPem, newRoot: ctx.newRootPem };
    default:
      return {};
  }
}

/**
 * The key a target can verify when the request reaches it. store-root and bundle find it holding
 * only the old root. Every other task comes after the node's own store-root (R2, R4, R5), so it
 * holds the distribution root (the new key) or already the new root alone: replace-root(c) may
 * precede store-cert(c), since nothing orders them. A node without a store-root task (a server
 * on one-way links only) keeps its old root throughout.
 */
export function signingKey(ctx: Pick<RunContext, "oldKey" | "newKey" | "tasks">, task: Pick<TaskDef, "kind" | "node">): crypto.KeyObject | JwsSigner {
  if (task.kind === "store-root" || task.kind === "bundle") return ctx.oldKey;
  if (task.kind === "store-cert" && !ctx.tasks.has(`store-root:${task.node}`)) return ctx.oldKey;
  return ctx.newKey;
}

/** The signed update request of one attempt (JWS with the key the target holds: signingKey). */
export function signRequest(ctx: RunContext, task: TaskDef, attempt: number, now: Date): Promise<string> {
  const message: UpdateRequest = {
    v: PROTOCOL_VERSION,
    type: "update",
    topology: ctx.topologyId,
    run: ctx.id,
    group: ctx.group,
    task: task.id,
    kind: task.kind as NodeTaskKind,
    node: task.node!,
    attempt,
    route: task.route,
    items: itemsFor(ctx, task),
    iat: now.getTime(),
  };
  return signEnvelope(message, signingKey(ctx, task));
}
