import { db } from "../db";
import { fetchKeyAuthorization } from "./http01";
import { AcmeProblem } from "./problem";

/**
 * Validates http-01 challenges off the request (RFC 8555 7.5.1): the challenge is
 * "processing" while the fetch runs; no transaction is held across it. The result moves
 * the challenge, its authorization and, when it settles the last one, the order, in one
 * transaction. A process that dies mid-fetch leaves the challenge processing; the next
 * read of its authorization or challenge, on any instance, starts it again once it has been
 * processing for ORPHANED_AFTER_MS (far past the fetch's own deadline).
 */
const inFlight = new Set<Promise<void>>();
export const ORPHANED_AFTER_MS = 60_000;

/** pending → processing (the client's POST {}): true when this call claimed it and validation started. */
export async function claimValidation(challengeId: string, now = new Date()): Promise<boolean> {
  const { count } = await db().acmeChallenge.updateMany({ where: { id: challengeId, status: "pending" }, data: { status: "processing", processingSince: now } });
  if (count === 1) startValidation(challengeId);
  return count === 1;
}

/**
 * Restarts validations of the authorization's challenges that a dead process left processing
 * (or that predate processingSince). The conditional update lets exactly one reader restart each.
 */
export async function reclaimOrphanedValidations(authorizationId: string, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - ORPHANED_AFTER_MS);
  const stuck = await db().acmeChallenge.findMany({ where: { authorizationId, status: "processing", OR: [{ processingSince: null }, { processingSince: { lt: cutoff } }] }, select: { id: true, processingSince: true } });
  let n = 0;
  for (const c of stuck) {
    const { count } = await db().acmeChallenge.updateMany({ where: { id: c.id, status: "processing", processingSince: c.processingSince }, data: { processingSince: now } });
    if (count === 1) {
      startValidation(c.id);
      n++;
    }
  }
  return n;
}

export function startValidation(challengeId: string): void {
  const p = validate(challengeId)
    .catch((err) => console.error(`rootline: ACME validation of challenge ${challengeId} failed:`, err))
    .finally(() => inFlight.delete(p));
  inFlight.add(p);
}

/** Waits for every validation this process started (tests, shutdown). */
export async function settleValidations(): Promise<void> {
  while (inFlight.size) await Promise.all([...inFlight]);
}

async function validate(challengeId: string): Promise<void> {
  const c = await db().acmeChallenge.findUnique({ where: { id: challengeId }, include: { authorization: { include: { order: { include: { account: { select: { jwkThumbprint: true } } } } } } } });
  if (!c || c.status !== "processing") return;
  const authz = c.authorization;
  const expected = `${c.token}.${authz.order.account.jwkThumbprint}`;
  let problem: AcmeProblem | null = null;
  try {
    const got = (await fetchKeyAuthorization({ type: authz.identifierType, value: authz.identifierValue }, c.token)).replace(/\s+$/, "");
    if (got !== expected) problem = new AcmeProblem("incorrectResponse", `the key authorization served for ${authz.identifierValue} is ${JSON.stringify(got.slice(0, 100))}, expected ${JSON.stringify(expected)}`, 403);
  } catch (e) {
    if (!(e instanceof AcmeProblem)) throw e;
    problem = e;
  }
  await recordResult(c.id, authz.id, authz.orderId, problem, { type: authz.identifierType, value: authz.identifierValue });
}

async function recordResult(challengeId: string, authzId: string, orderId: string, problem: AcmeProblem | null, identifier: { type: string; value: string }): Promise<void> {
  const now = new Date();
  const error = problem ? JSON.stringify({ ...problem.toJSON(), identifier }) : null;
  await db().$transaction(async (tx) => {
    await tx.acmeChallenge.update({ where: { id: challengeId }, data: problem ? { status: "invalid", error } : { status: "valid", validated: now } });
    // Only a still-pending authorization moves: a deactivated or expired one stays as it is.
    const moved = await tx.acmeAuthorization.updateMany({ where: { id: authzId, status: "pending", expires: { gt: now } }, data: { status: problem ? "invalid" : "valid" } });
    if (moved.count === 0) return;
    if (problem) {
      await tx.acmeOrder.updateMany({ where: { id: orderId, status: "pending" }, data: { status: "invalid", error } });
      return;
    }
    const open = await tx.acmeAuthorization.count({ where: { orderId, status: { not: "valid" } } });
    if (open === 0) await tx.acmeOrder.updateMany({ where: { id: orderId, status: "pending" }, data: { status: "ready" } });
  });
}
