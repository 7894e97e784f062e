import { appendAudit } from "../audit";
import { type Actor } from "../auth/actor";
import { setRevocationNumber } from "../store/state";
import type { Tx } from "../db";

/**
 * Moves an issuer's revocation number up to `to` (SPEC 2.1: RN never decreases).
 * Every still-valid certificate below the new RN is invalid for devices from now
 * on, so it is marked revoked (reason superseded) and goes on the CRL too.
 * Returns false when the RN already is at or above `to`.
 */
export async function raiseRevocationNumber(tx: Tx, actor: Actor, issuerId: string, to: bigint, cause: string, now = new Date()): Promise<boolean> {
  const issuer = await tx.issuer.findUniqueOrThrow({ where: { id: issuerId }, select: { revocationNumber: true, name: true } });
  if (to <= issuer.revocationNumber) return false;
  // Summarised in the RN's single audit event (docs/AUDIT_EVENTS.md), not one per certificate.
  const superseded = await setRevocationNumber(tx, issuerId, to, now);
  await tx.revocationNumberChange.create({ data: { issuerId, from: issuer.revocationNumber, to, cause, actor: `${actor.kind}:${actor.name}`, at: now } });
  await appendAudit(tx, actor, { action: "revocation-number.change", targetType: "issuer", targetId: issuerId, before: { revocationNumber: issuer.revocationNumber }, after: { revocationNumber: to, cause, superseded } });
  return true;
}
