import { actorLabel, appendAudit } from "../audit";
import { type Actor } from "../auth/actor";
import { requirePermission } from "../auth/roles";
import { hashSecret, newSecret } from "../auth/tokens";
import { closePendingRenewals, insertRenewalRequests, issuerByName, markExcluded, markRevocationCompleted, markRevoked, type NewRenewalRequest } from "../store/state";
import { db, type Tx } from "../db";
import { ConflictError, InputError, NotFoundError } from "../errors";
import { parseRevokingReason, type RevocationReason } from "../pki/reasons";
import { affectedCertificates, affectedSerials, awaitingRenewals, isAwaitingRenewals } from "./affected";
import { checkDeadline } from "./deadline";
import { MOVE_ORDER, moveAwaits, settleMove } from "./move";
import { planRenewals } from "./plan";
import { raiseRevocationNumber } from "./rn";

export const ORDERS = ["renew-first", "raise-first"] as const;
export type RevocationOrder = (typeof ORDERS)[number] | "sweep" | typeof MOVE_ORDER;

export function parseOrder(s: unknown): (typeof ORDERS)[number] {
  if (typeof s === "string" && (ORDERS as readonly string[]).includes(s)) return s as (typeof ORDERS)[number];
  throw new InputError("order", `order must be renew-first or raise-first, got "${String(s)}"`);
}

export function loadIssuer(tx: Tx, name: string) {
  return issuerByName(tx, name, { id: true, name: true, revocationNumber: true, nextSerial: true });
}

async function loadTarget(tx: Tx, issuer: { id: string; name: string; revocationNumber: bigint }, serial: bigint) {
  const target = await tx.certificate.findUnique({ where: { issuerId_serial: { issuerId: issuer.id, serial } }, select: { id: true, serial: true, subject: true, status: true, notAfter: true } });
  if (!target) {
    const elsewhere = await tx.certificate.findFirst({ where: { serial }, select: { issuer: { select: { name: true } } } });
    throw new NotFoundError("serial", `issuer "${issuer.name}" has no certificate with serial ${serial}${elsewhere ? ` (serial ${serial} belongs to issuer "${elsewhere.issuer.name}")` : ""}`);
  }
  if (target.status === "revoked") throw new ConflictError("serial", `serial ${serial} is already revoked`);
  if (serial < issuer.revocationNumber) throw new ConflictError("serial", `serial ${serial} is already below the revocation number ${issuer.revocationNumber}: devices reject it`);
  return target;
}

export interface RevocationPreview {
  issuer: string;
  serial: bigint;
  currentRevocationNumber: bigint;
  newRevocationNumber: bigint;
  target: { serial: bigint; subject: string };
  /**
   * Certificates that need a replacement because their serial is <= S (the target
   * included). With the operator's choices, lib/revocation/plan.ts's planRenewals says
   * what confirming does with each: the same function openRevocation acts on.
   */
  affected: { serial: bigint; subject: string; sans: string; notAfter: Date; isTarget: boolean; pendingElsewhere: boolean }[];
}

/** What revoking serial S means, shown to the operator before they confirm. Writes nothing. */
export async function previewRevocation(issuerName: string, serial: bigint, now = new Date()): Promise<RevocationPreview> {
  const tx = db();
  const issuer = await loadIssuer(tx, issuerName);
  const target = await loadTarget(tx, issuer, serial);
  const affected = await affectedCertificates(tx, issuer, serial, now);
  const pending = new Set((await awaitingRenewals(tx, issuer.id, serial)).map((r) => r.certificateId));
  return {
    issuer: issuer.name,
    serial,
    currentRevocationNumber: issuer.revocationNumber,
    newRevocationNumber: serial + 1n,
    target: { serial: target.serial, subject: target.subject },
    affected: affected.map((c) => ({ serial: c.serial, subject: c.subject, sans: c.sans, notAfter: c.notAfter, isTarget: c.id === target.id, pendingElsewhere: pending.has(c.id) })),
  };
}

export interface StartRevocation {
  issuer: string;
  serial: bigint;
  reason: string;
  order: string;
  /** Serials whose holders have stopped: no replacement is awaited for them. */
  exclude?: bigint[];
  deadline?: Date;
  now?: Date;
}

export interface StartedRevocation {
  id: string;
  issuer: string;
  serial: bigint;
  order: RevocationOrder;
  revocationNumber: bigint;
  completed: boolean;
  /** One-time renewal tokens, shown once: holders without mutual TLS use them to renew. */
  tokens: { serial: bigint; token: string }[];
  awaiting: bigint[];
}

/** Shared by operator revocations and the expiry sweep. */
export async function openRevocation(
  tx: Tx,
  actor: Actor,
  issuer: { id: string; name: string; revocationNumber: bigint },
  o: { serial: bigint; reason: RevocationReason; order: RevocationOrder; exclude: Set<bigint>; deadline?: Date; now: Date; targetId?: string },
): Promise<StartedRevocation> {
  const affected = await affectedSerials(tx, issuer, o.serial, o.now);
  for (const s of o.exclude) {
    if (!affected.some((c) => c.serial === s)) throw new InputError("exclude", `serial ${s} is not among the certificates this revocation affects (${affected.map((c) => c.serial).join(", ") || "none"})`);
  }
  const alreadyPending = new Set((await awaitingRenewals(tx, issuer.id, o.serial)).map((r) => r.certificateId));
  const revocation = await tx.revocation.create({
    data: { issuerId: issuer.id, serial: o.serial, reason: o.reason, order: o.order, deadline: o.deadline ?? null, createdBy: `${actor.kind}:${actor.name}`, createdAt: o.now },
  });
  const tokens: { serial: bigint; token: string }[] = [];
  const requests: NewRenewalRequest[] = [];
  const plan = planRenewals(
    affected.map((c) => ({ ...c, isTarget: c.id === o.targetId, pendingElsewhere: alreadyPending.has(c.id) })),
    { reason: o.reason, exclude: o.exclude },
  );
  for (const { holder: c, fate } of plan.rows) {
    if (fate === "awaited-elsewhere") continue; // an earlier pending revocation already asked this holder
    const token = fate === "renew" ? newSecret("rr_") : null;
    requests.push({ certificateId: c.id, serial: c.serial, status: token ? "pending" : "excluded", tokenHash: token ? hashSecret(token) : null });
    if (token) tokens.push({ serial: c.serial, token });
  }
  await insertRenewalRequests(tx, revocation.id, requests); // one statement for any number
  await appendAudit(tx, actor, {
    action: "revocation.start",
    targetType: "revocation",
    targetId: revocation.id,
    after: { issuer: issuer.name, serial: o.serial, reason: o.reason, order: o.order, affected: affected.map((c) => c.serial), excluded: [...o.exclude], deadline: o.deadline },
  });
  if (o.order === "raise-first") await raiseRevocationNumber(tx, actor, issuer.id, o.serial + 1n, `raise-first revocation of serial ${o.serial}`, o.now);
  const completed = await completeIfDone(tx, actor, issuer.id, o.now);
  const after = await tx.issuer.findUniqueOrThrow({ where: { id: issuer.id }, select: { revocationNumber: true } });
  return {
    id: revocation.id,
    issuer: issuer.name,
    serial: o.serial,
    order: o.order,
    revocationNumber: after.revocationNumber,
    completed: completed.includes(revocation.id),
    tokens,
    awaiting: (await awaitingRenewals(tx, issuer.id, o.serial)).map((r) => r.serial),
  };
}

/**
 * Revokes serial S as a prefix (SPEC 2.1): the certificate goes on the CRL now; it and
 * every still-valid certificate below it get renewal requests; the RN moves to S+1
 * when every replacement is issued (renew-first) or at once (raise-first).
 */
export async function startRevocation(actor: Actor, input: StartRevocation): Promise<StartedRevocation> {
  requirePermission(actor.role, "certificates:write");
  const reason = parseRevokingReason(input.reason, "reason");
  const order = parseOrder(input.order);
  const now = input.now ?? new Date();
  checkDeadline(input.deadline, now);
  return db().$transaction(async (tx) => {
    const issuer = await loadIssuer(tx, input.issuer);
    const target = await loadTarget(tx, issuer, input.serial);
    await markRevoked(tx, { id: target.id, issuerId: issuer.id }, reason, now);
    await appendAudit(tx, actor, { action: "certificate.revoke", targetType: "certificate", targetId: target.id, before: { status: target.status }, after: { status: "revoked", reason, serial: input.serial } });
    return openRevocation(tx, actor, issuer, { serial: input.serial, reason, order, exclude: new Set(input.exclude ?? []), deadline: input.deadline, now, targetId: target.id });
  });
}

/**
 * Completes every pending revocation of the issuer that waits for nothing any more:
 * renew-first and sweep revocations move the RN to S+1 now; a generation move settles
 * when its own requests are done (lib/revocation/move.ts). Returns the completed ids.
 */
export async function completeIfDone(tx: Tx, actor: Actor, issuerId: string, now: Date): Promise<string[]> {
  const pending = await tx.revocation.findMany({ where: { issuerId, status: "pending" }, orderBy: { serial: "desc" } });
  const done: string[] = [];
  for (const r of pending) {
    if (done.includes(r.id)) continue;
    if (r.order === MOVE_ORDER ? await moveAwaits(tx, r.id) : await isAwaitingRenewals(tx, issuerId, r.serial)) continue;
    done.push(...(await finishPending(tx, actor, issuerId, r, false, now)));
  }
  return done;
}

/** Completes one pending revocation: a generation move settles without touching the RN; any other moves the RN. */
export async function finishPending(tx: Tx, actor: Actor, issuerId: string, r: { id: string; serial: bigint; order: string }, forced: boolean, now: Date, cause?: string): Promise<string[]> {
  if (r.order !== MOVE_ORDER) return finishRevocation(tx, actor, issuerId, r.serial, forced, now, cause);
  await settleMove(tx, actor, r.id, forced, now);
  return [r.id];
}

/**
 * RN := S+1 and every pending revocation with serial <= S is complete. Their renewal
 * requests still pending close (forced, or the deadline passed): the tokens stop working.
 */
export async function finishRevocation(tx: Tx, actor: Actor, issuerId: string, serial: bigint, forced: boolean, now: Date, cause = `${forced ? "forced " : ""}completion of the revocation of serial ${serial}`): Promise<string[]> {
  await raiseRevocationNumber(tx, actor, issuerId, serial + 1n, cause, now);
  const covered = await tx.revocation.findMany({ where: { issuerId, status: "pending", serial: { lte: serial } }, select: { id: true, serial: true } });
  for (const r of covered) {
    await markRevocationCompleted(tx, r.id, forced && r.serial === serial, now);
    // A count, not the serials: a forced bulk revocation may abandon thousands (the rows keep them).
    const closed = await closePendingRenewals(tx, r.id);
    await appendAudit(tx, actor, { action: "revocation.complete", targetType: "revocation", targetId: r.id, after: { serial: r.serial, forced: forced && r.serial === serial, closed } });
  }
  return covered.map((r) => r.id);
}

/**
 * Moves the RN for a pending revocation. Without force, only when nothing is awaited;
 * with force, the holders still awaited become invalid for devices and their requests
 * close (an operator issues them new certificates by hand).
 */
export async function completeRevocation(actor: Actor, input: { issuer: string; serial: bigint; force?: boolean; now?: Date }) {
  requirePermission(actor.role, "certificates:write");
  const now = input.now ?? new Date();
  return db().$transaction(async (tx) => {
    const issuer = await loadIssuer(tx, input.issuer);
    const r = await tx.revocation.findFirst({ where: { issuerId: issuer.id, serial: input.serial, status: "pending" } });
    if (!r) throw new NotFoundError("serial", `issuer "${issuer.name}" has no pending revocation of serial ${input.serial}`);
    const awaiting = r.order === MOVE_ORDER
      ? (await tx.renewalRequest.findMany({ where: { revocationId: r.id, status: "pending" }, orderBy: { serial: "asc" }, select: { serial: true } })).map((a) => a.serial)
      : (await awaitingRenewals(tx, issuer.id, input.serial)).map((a) => a.serial);
    if (awaiting.length && !input.force) {
      throw new ConflictError("serial", `still awaiting replacements for serial${awaiting.length > 1 ? "s" : ""} ${awaiting.join(", ")}; renew them, exclude stopped servers, or force completion`);
    }
    await finishPending(tx, actor, issuer.id, r, awaiting.length > 0, now);
    const after = await tx.issuer.findUniqueOrThrow({ where: { id: issuer.id }, select: { revocationNumber: true } });
    return { issuer: issuer.name, serial: input.serial, revocationNumber: after.revocationNumber, forced: awaiting.length > 0, abandoned: awaiting };
  });
}

/** A holder that has stopped (no replacement wanted) no longer holds up the RN. */
export async function excludeFromRevocation(actor: Actor, input: { issuer: string; serial: bigint; now?: Date }) {
  requirePermission(actor.role, "certificates:write");
  const now = input.now ?? new Date();
  return db().$transaction(async (tx) => {
    const issuer = await loadIssuer(tx, input.issuer);
    const req = await tx.renewalRequest.findFirst({ where: { serial: input.serial, status: "pending", revocation: { issuerId: issuer.id, status: "pending" } } });
    if (!req) throw new NotFoundError("serial", `no renewal is awaited for serial ${input.serial}`);
    await markExcluded(tx, req.id, actorLabel(actor), now);
    await appendAudit(tx, actor, { action: "revocation.exclude", targetType: "revocation", targetId: req.revocationId, after: { serial: input.serial } });
    return { completed: await completeIfDone(tx, actor, issuer.id, now) };
  });
}
