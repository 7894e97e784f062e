/**
 * POST /api/rotation/agent (docs/ROTATION_RUNS.md "Messages" → Poll): a direct node's poll,
 * a JWS signed with its registered key, carrying results and status reports (its own and those
 * it relays, each signed by its own node). Answered with the update requests whose route
 * starts at the polling node. Served on the fast path (lib/http/fastPath.ts) and by the Next
 * route with the same handler.
 */
import type { KeyObject } from "node:crypto";
import { db } from "../db";
import { errorResponse, InputError, NotFoundError } from "../errors";
import { readCappedBody } from "../http/body";
import { applyResults } from "./engine";
import { EnvelopeError, peekEnvelope, publicKeyOfSpki, verifyEnvelope, type NodeStatus, type PollReply, type TaskResult } from "./protocol";

export const MAX_POLL_BYTES = 4 * 1024 * 1024;
/** A poll further than this from the CA's clock is refused (replay bound). */
export const MAX_SKEW_MS = 5 * 60_000;

const keys = new Map<string, { spki: Buffer; key: KeyObject }>();
const keyId = (topology: string, node: string) => `${topology}\n${node}`;

/** Forgets cached node keys (tests; a re-provisioned node is re-read on a failed verification anyway). */
export function clearNodeKeyCache(): void {
  keys.clear();
}

async function loadKey(topology: string, node: string): Promise<KeyObject | null> {
  const row = await db().topologyNode.findUnique({ where: { topologyId_nodeId: { topologyId: topology, nodeId: node } }, select: { spki: true } });
  if (!row) {
    keys.delete(keyId(topology, node));
    return null;
  }
  const spki = Buffer.from(row.spki);
  const hit = keys.get(keyId(topology, node));
  if (hit && hit.spki.equals(spki)) return hit.key;
  const key = publicKeyOfSpki(spki);
  keys.set(keyId(topology, node), { spki, key });
  return key;
}

/** Verifies with the node's registered key; a miss re-reads it once (the node may have been re-provisioned). */
async function verifiedBy(jws: string, topology: string, node: string) {
  const cached = keys.get(keyId(topology, node))?.key;
  if (cached) {
    try {
      return await verifyEnvelope(jws, [cached]);
    } catch {
      // fall through: re-read the key
    }
  }
  const key = await loadKey(topology, node);
  if (!key) return null;
  return verifyEnvelope(jws, [key]);
}

/** The poll handler proper: the JWS body in, the reply out; domain errors name the field at fault. */
export async function handleAgentPoll(body: string, now: Date = new Date()): Promise<PollReply> {
  let poll;
  try {
    poll = peekEnvelope(body);
  } catch (e) {
    throw new InputError("body", e instanceof EnvelopeError ? e.message : "the body is not a JWS");
  }
  if (poll.type !== "poll") throw new InputError("body", `expected a poll, got a ${poll.type} message`);
  let verified;
  try {
    verified = await verifiedBy(body, poll.topology, poll.node);
  } catch {
    throw new InputError("signature", "the poll's signature does not verify with the node's registered key", 401);
  }
  if (!verified) {
    const topology = await db().topology.findUnique({ where: { id: poll.topology }, select: { id: true } });
    if (!topology) throw new NotFoundError("topology", `no topology with id "${poll.topology}"`);
    throw new NotFoundError("node", `node "${poll.node}" of this topology is not provisioned`);
  }
  if (verified.type !== "poll") throw new InputError("body", "expected a poll");
  if (Math.abs(verified.at - now.getTime()) > MAX_SKEW_MS) throw new InputError("at", `the poll's time is more than ${MAX_SKEW_MS / 60_000} minutes from the CA's clock`);

  const results: TaskResult[] = [];
  const statuses: NodeStatus[] = [];
  const rejected: { index: number; error: string }[] = [];
  for (const [index, jws] of verified.envelopes.entries()) {
    try {
      const m = peekEnvelope(jws);
      if (m.type !== "result" && m.type !== "status") throw new EnvelopeError(`a ${m.type} message does not travel to the CA`);
      if (m.topology !== verified.topology) throw new EnvelopeError("the envelope belongs to another topology");
      // Each inner envelope is verified with its own node's key: a relay cannot speak for another node.
      const inner = await verifiedBy(jws, verified.topology, m.node);
      if (!inner) throw new EnvelopeError(`node "${m.node}" is not provisioned`);
      if (inner.type === "result") results.push(inner);
      else if (inner.type === "status") statuses.push(inner);
    } catch (e) {
      rejected.push({ index, error: e instanceof EnvelopeError ? e.message : "the envelope does not verify" });
    }
  }
  if (results.length || statuses.length) await record(results, statuses, now);
  const envelopes = await pickUp(verified.topology, verified.node, now);
  return rejected.length ? { envelopes, rejected } : { envelopes };
}

/** Results and the newest status per node, in one transaction. */
async function record(results: TaskResult[], statuses: NodeStatus[], now: Date): Promise<void> {
  const newest = new Map<string, NodeStatus>();
  for (const s of statuses) if ((newest.get(s.node)?.at ?? -Infinity) < s.at) newest.set(s.node, s);
  await db().$transaction(async (tx) => {
    if (results.length) await applyResults(tx, results, now);
    if (newest.size === 0) return;
    const topologyId = [...newest.values()][0].topology;
    const existing = await tx.nodeReport.findMany({ where: { topologyId, nodeId: { in: [...newest.keys()] } }, select: { nodeId: true, at: true } });
    const at = new Map(existing.map((e) => [e.nodeId, e.at.getTime()]));
    for (const s of newest.values()) {
      if ((at.get(s.node) ?? -Infinity) >= s.at) continue; // newest wins
      const data = { at: new Date(s.at), status: JSON.stringify(s) };
      await tx.nodeReport.upsert({ where: { topologyId_nodeId: { topologyId, nodeId: s.node } }, create: { topologyId, nodeId: s.node, ...data }, update: data });
    }
  });
}

/**
 * A request picked up this long ago and still unanswered is handed out again (same attempt, same
 * signed request; agents answer a repeat from their record): a poll reply lost on the way (the
 * agent's fetch timed out while a busy CA answered) must not wait for the task timeout and cost
 * an attempt. No answer at all still times out as a failure.
 */
export const REHAND_AFTER_MS = 15_000;

/** Update requests waiting for this direct node (sent, not yet picked up, of a running run); marks them picked up. */
async function pickUp(topologyId: string, node: string, now: Date): Promise<string[]> {
  const where = { firstHop: node, state: "sent", OR: [{ pickedUpAt: null }, { pickedUpAt: { lt: new Date(now.getTime() - REHAND_AFTER_MS) } }], run: { topologyId, state: "running" } };
  const first = await db().rotationTask.findFirst({ where, select: { runId: true } });
  if (!first) return [];
  return db().$transaction(async (tx) => {
    // In plan order: a merged client request (2′) must reach the node store-root first.
    const rows = await tx.rotationTask.findMany({ where, orderBy: [{ runId: "asc" }, { seq: "asc" }], select: { runId: true, taskId: true, request: true } });
    if (rows.length === 0) return [];
    await tx.rotationTask.updateMany({ where: { AND: [where, { OR: rows.map((r) => ({ runId: r.runId, taskId: r.taskId })) }] }, data: { pickedUpAt: now } });
    return rows.map((r) => r.request!).filter(Boolean);
  });
}

/** The route handler (fast path and Next): application/jose, at most 4 MiB, errors as `{error, field}` JSON. */
export async function agentPollRoute(req: Request): Promise<Response> {
  try {
    const body = await readCappedBody(req, "application/jose", MAX_POLL_BYTES);
    const reply = await handleAgentPoll(body.trim());
    return new Response(JSON.stringify(reply), { status: 200, headers: { "Content-Type": "application/json", "Cache-Control": "no-store" } });
  } catch (err) {
    return errorResponse(err);
  }
}
