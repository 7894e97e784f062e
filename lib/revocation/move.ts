import { appendAudit } from "../audit";
import type { Actor } from "../auth/actor";
import { hashSecret, newSecret } from "../auth/tokens";
import type { Tx } from "../db";
import { closePendingRenewals, insertRenewalRequests, markRevocationCompleted, type NewRenewalRequest, type RenewalStatus } from "../store/state";

/**
 * Generation moves (SPEC 3: application servers move to CA generation n+1 when n expires
 * or is revoked). A move is a Revocation row of order "generation" on issuer n with
 * `successorId` = generation n+1: each holder gets an ordinary renewal request and renews
 * exactly as after a prefix revocation (one-time token or proof of possession,
 * lib/revocation/renewal.ts), except that the replacement is signed by the successor.
 * A move settles when none of its requests is pending (renewed, excluded, or closed at its
 * deadline or by force). Unlike a prefix revocation it never moves generation n's RN: n's
 * client certificates are not asked to move, and n's download-server certificate must keep
 * working until n's original expiry (docs/CA_INFORMATION.md §6). Which certificates move
 * and when is lib/generations/moves.ts.
 */

export const MOVE_ORDER = "generation";

export interface OpenedMove {
  id: string;
  /** Serials that got a renewal request now. */
  requested: bigint[];
  /** Serials already awaited by a pending revocation of the issuer: its renewal moves them too. */
  awaitedElsewhere: bigint[];
  /** One-time renewal tokens, shown once (holders without their old key's proof use them). */
  tokens: { serial: bigint; token: string }[];
  completed: boolean;
}

/** Opens the move of `certificates` (ids and serials of issuer n) to `successor`, audited. */
export async function openMove(
  tx: Tx,
  actor: Actor,
  o: { issuer: { id: string; name: string; nextSerial: bigint }; successor: { id: string; name: string }; lineage: string; generation: number; cause: "revoked" | "expiry"; certificates: { id: string; serial: bigint }[]; deadline?: Date; now: Date },
): Promise<OpenedMove> {
  const elsewhere = new Set(
    (await tx.renewalRequest.findMany({ where: { certificateId: { in: o.certificates.map((c) => c.id) }, status: "pending" satisfies RenewalStatus, revocation: { status: "pending" } }, select: { certificateId: true } })).map((r) => r.certificateId),
  );
  const serial = o.certificates.at(-1)?.serial ?? (o.issuer.nextSerial > 0n ? o.issuer.nextSerial - 1n : 0n);
  const move = await tx.revocation.create({
    data: { issuerId: o.issuer.id, successorId: o.successor.id, serial, reason: "superseded", order: MOVE_ORDER, deadline: o.deadline ?? null, createdBy: `${actor.kind}:${actor.name}`, createdAt: o.now },
  });
  const tokens: { serial: bigint; token: string }[] = [];
  const rows: NewRenewalRequest[] = [];
  for (const c of o.certificates) {
    if (elsewhere.has(c.id)) continue;
    const token = newSecret("rr_");
    rows.push({ certificateId: c.id, serial: c.serial, status: "pending", tokenHash: hashSecret(token) });
    tokens.push({ serial: c.serial, token });
  }
  await insertRenewalRequests(tx, move.id, rows); // one statement for any number
  const awaitedElsewhere = o.certificates.filter((c) => elsewhere.has(c.id)).map((c) => c.serial);
  await appendAudit(tx, actor, {
    action: "lineage.move-start",
    targetType: "revocation",
    targetId: move.id,
    after: { lineage: o.lineage, generation: o.generation, issuer: o.issuer.name, successor: o.successor.name, cause: o.cause, requested: rows.map((r) => r.serial), awaitedElsewhere, deadline: o.deadline },
  });
  const completed = rows.length === 0;
  if (completed) await settleMove(tx, actor, move.id, false, o.now);
  return { id: move.id, requested: rows.map((r) => r.serial), awaitedElsewhere, tokens, completed };
}

/** Whether the move still waits for a holder. */
export async function moveAwaits(tx: Tx, moveId: string): Promise<boolean> {
  return (await tx.renewalRequest.findFirst({ where: { revocationId: moveId, status: "pending" satisfies RenewalStatus }, select: { id: true } })) !== null;
}

/** The move is done: requests still pending close (their tokens stop working); no RN moves. */
export async function settleMove(tx: Tx, actor: Actor, moveId: string, forced: boolean, now: Date): Promise<void> {
  const closed = await closePendingRenewals(tx, moveId);
  await markRevocationCompleted(tx, moveId, forced && closed > 0, now);
  const counts = await tx.renewalRequest.groupBy({ by: ["status"], where: { revocationId: moveId }, _count: { _all: true } });
  const count = (s: RenewalStatus) => counts.find((c) => c.status === s)?._count._all ?? 0;
  await appendAudit(tx, actor, { action: "lineage.move-complete", targetType: "revocation", targetId: moveId, after: { forced: forced && closed > 0, renewed: count("renewed"), excluded: count("excluded"), closed } });
}

/**
 * The issuer that signs a renewal of a certificate of `issuer`: the issuer itself, or —
 * once its servers move — its successor (followed further if that one moved on too).
 */
export async function renewalIssuer(tx: Tx, issuer: { id: string; name: string }): Promise<{ id: string; name: string }> {
  let current = issuer;
  for (let hops = 0; hops < 64; hops++) {
    const move = await tx.revocation.findFirst({ where: { issuerId: current.id, order: MOVE_ORDER, successorId: { not: null } }, select: { successor: { select: { id: true, name: true } } } });
    if (!move?.successor) return current;
    current = move.successor;
  }
  return current;
}
