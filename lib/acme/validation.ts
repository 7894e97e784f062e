import { db } from "../db";
import { fetchKeyAuthorization } from "./http01";
import { AcmeProblem } from "./problem";

/**
 * Validates http-01 challenges off the request (RFC 8555 7.5.1): the challenge is
 * "processing" while the fetch runs; no transaction is held across it. The result moves
 * the challenge, its authorization and, when it settles the last one, the order, in one
 * transaction. A process that dies mid-fetch leaves the challenge processing (the order
 * then expires).
 */
const inFlight = new Set<Promise<void>>();

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
