import type { RevocationReason } from "../pki/reasons";

/*
 * What a prefix revocation does with each holder it affects. Pure, and free of server
 * imports: openRevocation acts on it, and the revoke form's summary shows it while the
 * operator chooses, so the two cannot disagree.
 */

/** Reasons saying the revoked certificate's own server has stopped: nobody waits for its replacement. */
export const TARGET_STOPPING_REASONS: readonly RevocationReason[] = ["cessationOfOperation"];

export const reasonStopsTarget = (reason: string): boolean => (TARGET_STOPPING_REASONS as readonly string[]).includes(reason);

export interface Holder<S> {
  serial: S;
  /** The revoked certificate itself, as opposed to a collateral one below it. */
  isTarget: boolean;
  /** An earlier pending revocation already awaits this holder's renewal. */
  pendingElsewhere: boolean;
}

export interface HolderChoice<S> {
  reason: string;
  /** Serials the operator marked as stopped servers. */
  exclude: ReadonlySet<S>;
}

/**
 * A stopped server wants no replacement: the operator ticked it, or it is the revoked
 * certificate and the reason says its server stopped (cessation of operation).
 */
export function holderStopped<S>(h: { serial: S; isTarget: boolean }, c: HolderChoice<S>): boolean {
  return c.exclude.has(h.serial) || (h.isTarget && reasonStopsTarget(c.reason));
}

/**
 * "renew": a renewal request and a one-time token; "stopped": an excluded request, no
 * token; "awaited-elsewhere": nothing new, the earlier revocation's request stands (and
 * still holds this one's RN).
 */
export type HolderFate = "renew" | "stopped" | "awaited-elsewhere";

export function holderFate<S>(h: Holder<S>, c: HolderChoice<S>): HolderFate {
  if (h.pendingElsewhere) return "awaited-elsewhere";
  return holderStopped(h, c) ? "stopped" : "renew";
}

export interface RenewalPlan<H> {
  rows: { holder: H; fate: HolderFate }[];
  /** Holders the RN waits for (renew or awaited elsewhere). */
  awaited: H[];
  /** Awaited holders other than the revoked certificate: raise-first cuts them off. */
  collateral: H[];
  stopped: H[];
  /** One-time renewal tokens the revocation hands out. */
  tokens: number;
}

export function planRenewals<S, H extends Holder<S>>(holders: readonly H[], c: HolderChoice<S>): RenewalPlan<H> {
  const rows = holders.map((holder) => ({ holder, fate: holderFate(holder, c) }));
  const awaited = rows.filter((r) => r.fate !== "stopped").map((r) => r.holder);
  return {
    rows,
    awaited,
    collateral: awaited.filter((h) => !h.isTarget),
    stopped: rows.filter((r) => r.fate === "stopped").map((r) => r.holder),
    tokens: rows.filter((r) => r.fate === "renew").length,
  };
}
