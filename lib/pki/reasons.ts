import { InputError, shown } from "../errors";

/** RFC 5280 §5.3.1 CRLReason. Code 7 is unassigned. */
export type RevocationReason =
  | "unspecified"
  | "keyCompromise"
  | "cACompromise"
  | "affiliationChanged"
  | "superseded"
  | "cessationOfOperation"
  | "certificateHold"
  | "removeFromCRL"
  | "privilegeWithdrawn"
  | "aACompromise";

export const REVOCATION_REASON_CODES: Readonly<Record<RevocationReason, number>> = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  removeFromCRL: 8,
  privilegeWithdrawn: 9,
  aACompromise: 10,
};

export const REVOCATION_REASONS = Object.keys(REVOCATION_REASON_CODES) as readonly RevocationReason[];

/** Operator-facing labels; the seed's reasons map to keyCompromise, cessationOfOperation, affiliationChanged. */
export const REVOCATION_REASON_LABELS: Readonly<Record<RevocationReason, string>> = {
  unspecified: "Unspecified",
  keyCompromise: "Key compromise",
  cACompromise: "CA compromise",
  affiliationChanged: "Name or affiliation changed",
  superseded: "Superseded",
  cessationOfOperation: "Server stopped (cessation of operation)",
  certificateHold: "Certificate hold",
  removeFromCRL: "Remove from CRL (delta CRLs only)",
  privilegeWithdrawn: "Privilege withdrawn",
  aACompromise: "AA compromise",
};

const BY_CODE = new Map<number, RevocationReason>(Object.entries(REVOCATION_REASON_CODES).map(([k, v]) => [v, k as RevocationReason]));

export function parseRevocationReason(s: unknown, field = "reason"): RevocationReason {
  if (typeof s === "string" && Object.hasOwn(REVOCATION_REASON_CODES, s)) return s as RevocationReason;
  throw new InputError(field, `unknown revocation reason ${shown(s)}; expected one of ${REVOCATION_REASONS.join(", ")}`);
}

/**
 * The reasons an operator (UI, API, CLI) may revoke with. removeFromCRL belongs only in
 * delta CRLs (RFC 5280 §5.3.1); a full CRL with it cannot be built. A hold cannot be lifted
 * once the RN has moved past the serial, and Rootline has no release: neither is a reason
 * for a prefix revocation.
 */
export const REVOKING_REASONS: readonly RevocationReason[] = REVOCATION_REASONS.filter((r) => r !== "removeFromCRL" && r !== "certificateHold");

/** parseRevocationReason, restricted to the reasons a revocation may start with. */
export function parseRevokingReason(s: unknown, field = "reason"): RevocationReason {
  const reason = parseRevocationReason(s, field);
  if (!REVOKING_REASONS.includes(reason)) throw new InputError(field, `${reason} is not a reason to revoke with${reason === "removeFromCRL" ? " (it belongs only in delta CRLs)" : " (a hold cannot be lifted once the revocation number moves)"}; expected one of ${REVOKING_REASONS.join(", ")}`);
  return reason;
}

/**
 * After these, the revoked certificate's key (or its holder's claim to the identity) is
 * not trusted: a signature by that key must not authenticate a renewal. Only the one-time
 * token, delivered out of band, or an operator can renew it (SPEC 2.1).
 */
export const DISTRUSTED_KEY_REASONS: readonly RevocationReason[] = ["keyCompromise", "cACompromise", "aACompromise", "affiliationChanged", "privilegeWithdrawn"];

export const keyDistrusted = (reason: string | null | undefined): boolean => !!reason && (DISTRUSTED_KEY_REASONS as readonly string[]).includes(reason);

/**
 * A key in an attacker's hands: every day of renew-first is an exposure window, so the UI
 * proposes raise-first and warns when renew-first is chosen.
 */
export const RAISE_FIRST_REASONS: readonly RevocationReason[] = ["keyCompromise", "cACompromise", "aACompromise"];

export function revocationReasonFromCode(code: number): RevocationReason | undefined {
  return BY_CODE.get(code);
}
