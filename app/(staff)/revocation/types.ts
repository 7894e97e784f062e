/**
 * Props that cross from server to client components: bigints and dates as strings,
 * so what is rendered is exactly what the server computed.
 */
export interface RenewalRowData {
  issuer: string;
  serial: string;
  state: "awaiting" | "renewed" | "excluded";
  /** The revoked certificate itself, as opposed to a collateral one below it. */
  isTarget: boolean;
  cert: { id: string; subject: string; sans: string; notAfter: string } | null;
  replacement: { id: string; serial: string } | null;
  /** How the renewal was authenticated (token, proof-of-possession, operator, generated-key). */
  via: string | null;
  /** Awaiting, but its own key may not authenticate the renewal (revoked for keyCompromise etc.). */
  proofRefused: boolean;
}
