import { InputError } from "./errors";

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
  throw new InputError(field, `unknown revocation reason ${JSON.stringify(s)}; expected one of ${REVOCATION_REASONS.join(", ")}`);
}

export function revocationReasonFromCode(code: number): RevocationReason | undefined {
  return BY_CODE.get(code);
}
