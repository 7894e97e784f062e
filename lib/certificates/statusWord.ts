/**
 * The one word a certificate's status is shown with (list, detail page, revocation
 * screens). The stored status depends on the order things happened: a collateral
 * certificate renewed before the revocation number moved is stored "superseded"
 * (renew-first), one the RN moved past first is stored "revoked" with reason superseded
 * (raise-first) and stays so when renewed — a status never goes back. Both were replaced
 * and both are rejected by devices, so both read "superseded"; likewise a holder still
 * asked to renew reads "awaiting renewal" whether or not the RN already moved.
 * Pure: client components use it too.
 */

export const STATUS_WORDS = ["valid", "expired", "awaiting renewal", "superseded", "revoked"] as const;
export type StatusWord = (typeof STATUS_WORDS)[number];

export interface StatusFacts {
  status: string;
  notAfter: Date;
  revocationReason: string | null;
  /** A renewal request of a pending revocation asks its holder to renew. */
  awaitingRenewal: boolean;
  /** A certificate was issued to replace it (Certificate.replacesId). */
  replaced: boolean;
}

export function certificateStatusWord(c: StatusFacts, now = new Date()): StatusWord {
  // Revoked only because the revocation number moved past it (lib/store/state.ts setRevocationNumber).
  const movedPast = c.status === "revoked" && c.revocationReason === "superseded";
  if (c.status === "revoked" && !movedPast) return "revoked";
  if (c.awaitingRenewal) return "awaiting renewal";
  if (c.replaced || c.status === "superseded") return "superseded";
  if (c.status === "revoked") return "revoked"; // excluded or cut off: nothing replaced it
  return c.notAfter < now ? "expired" : "valid";
}
