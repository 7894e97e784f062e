/**
 * A node's handling of an update request addressed to it: signature with the held roots,
 * idempotency by run/task, verify-then-apply (apply.ts), save, and a signed result.
 */
import type { KeyObject } from "node:crypto";
import { publicKeysOfCertificates, signEnvelope, verifyEnvelope, type TaskResult, type UpdateRequest } from "../rotation-run/protocol";
import { applyUpdate, type GroupRoles } from "./apply";
import { appliedKey, summarizeGroup, type NodeStore } from "./store";

export interface RequestContext {
  node: string;
  topology: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  store(): NodeStore;
  roles(group: string): GroupRoles;
  /** Saves a new store (files + in-memory state). */
  commit(next: NodeStore): Promise<void>;
  /** Test knob ROOTLINE_AGENT_APPLY_DELAY_MS: an apply slower than the exchange. */
  applyDelayMs: number;
}

function result(ctx: RequestContext, req: Pick<UpdateRequest, "run" | "task" | "attempt" | "group">, outcome: TaskResult["outcome"], error?: string): TaskResult {
  const g = ctx.store().groups[req.group];
  return {
    v: 1,
    type: "result",
    topology: ctx.topology,
    run: req.run,
    task: req.task,
    node: ctx.node,
    attempt: req.attempt,
    outcome,
    ...(error ? { error } : {}),
    ...(g ? { store: summarizeGroup(req.group, g) } : {}),
    at: Date.now(),
  };
}

export async function signedResult(ctx: RequestContext, req: Pick<UpdateRequest, "run" | "task" | "attempt" | "group">, outcome: TaskResult["outcome"], error?: string): Promise<string> {
  return signEnvelope(result(ctx, req, outcome, error), ctx.privateKey);
}

/** Handles one request (the caller serializes calls); returns the signed result. */
export async function handleRequest(ctx: RequestContext, jws: string, peeked: UpdateRequest): Promise<string> {
  const held = ctx.store().groups[peeked.group]?.roots ?? [];
  let req: UpdateRequest;
  try {
    const m = await verifyEnvelope(jws, publicKeysOfCertificates(held));
    if (m.type !== "update") throw new Error("not an update request");
    req = m;
  } catch {
    return signedResult(ctx, peeked, "failed", `the request's signature does not verify with any root held in group ${peeked.group}`);
  }
  if (req.node !== ctx.node || req.topology !== ctx.topology) return signedResult(ctx, req, "failed", `the request is for ${req.topology}/${req.node}, not this node`);
  const key = appliedKey(req.run, req.task);
  const before = ctx.store();
  const seen = before.applied[key];
  // Applied once, answered the same way: a success for any later attempt, a failure for the same attempt.
  if (seen && (seen.outcome === "succeeded" || seen.attempt === req.attempt)) return signedResult(ctx, req, seen.outcome, seen.error);
  if (ctx.applyDelayMs > 0) await new Promise((r) => setTimeout(r, ctx.applyDelayMs));
  const out = applyUpdate(before, req, ctx.roles(req.group), ctx.publicKey);
  const at = Date.now();
  const next: NodeStore = out.ok
    ? { ...before, groups: { ...before.groups, [req.group]: out.group }, applied: { ...before.applied, [key]: { attempt: req.attempt, outcome: "succeeded", at } } }
    : { ...before, applied: { ...before.applied, [key]: { attempt: req.attempt, outcome: "failed", error: out.error, at } } };
  await ctx.commit(next);
  return out.ok ? signedResult(ctx, req, "succeeded") : signedResult(ctx, req, "failed", out.error);
}
