import { SYSTEM, type Actor } from "../auth/actor";
import { db } from "../db";
import { addDays } from "../issuers/validity";
import { completeIfDone, finishPending, openRevocation } from "./prefix";

export const DEFAULT_LOOK_AHEAD_DAYS = 30;

export interface SweepReport {
  issuer: string;
  /** The revocation the sweep opened: the largest serial expiring within the look-ahead. */
  opened?: { serial: bigint; awaiting: bigint[]; tokens: { serial: bigint; token: string }[] };
  /** Pending revocations completed because their deadline passed. */
  deadlinesPassed: bigint[];
  completed: string[];
  revocationNumber: bigint;
}

/**
 * The expiry sweep (SPEC 2.1): for each issuer, the largest serial expiring within the
 * look-ahead gets the same prefix renewal as a revocation; when every holder has
 * renewed, RN := serial + 1, so devices drop expiring certificates without a clock.
 * Pending revocations whose deadline has passed are completed (forced) first.
 * Each issuer is handled in its own transaction; concurrent sweeps and revocations
 * serialize on SQLite's write lock.
 */
export async function runSweep(opts: { now?: Date; lookAheadDays?: number; issuer?: string; actor?: Actor } = {}): Promise<SweepReport[]> {
  const now = opts.now ?? new Date();
  const actor = opts.actor ?? { ...SYSTEM, name: "expiry-sweep" };
  const lookAhead = opts.lookAheadDays ?? DEFAULT_LOOK_AHEAD_DAYS;
  const issuers = await db().issuer.findMany({ where: opts.issuer ? { name: opts.issuer } : {}, select: { id: true, name: true } });
  const reports: SweepReport[] = [];
  for (const { id } of issuers) {
    reports.push(
      await db().$transaction(async (tx) => {
        const issuer = await tx.issuer.findUniqueOrThrow({ where: { id }, select: { id: true, name: true, revocationNumber: true } });
        const report: SweepReport = { issuer: issuer.name, deadlinesPassed: [], completed: [], revocationNumber: issuer.revocationNumber };
        // Re-read each time: finishing one revocation also completes those it covers.
        for (;;) {
          const r = await tx.revocation.findFirst({ where: { issuerId: id, status: "pending", deadline: { lte: now } }, orderBy: { serial: "desc" } });
          if (!r) break;
          await finishPending(tx, actor, id, r, true, now, `deadline of the revocation of serial ${r.serial} passed`);
          report.deadlinesPassed.push(r.serial);
        }
        const current = await tx.issuer.findUniqueOrThrow({ where: { id }, select: { id: true, name: true, revocationNumber: true } });
        const expiring = await tx.certificate.findFirst({
          // The OCSP responder's own certificate (30 days, lib/ocsp/signer.ts) renews itself; it must not move the RN for all below it.
          where: { issuerId: id, status: "valid", profile: { not: "ocsp" }, serial: { gte: current.revocationNumber }, notAfter: { lte: addDays(now, lookAhead) } },
          orderBy: { serial: "desc" },
          select: { serial: true, notAfter: true },
        });
        // Nothing to do when no certificate expires soon, or a pending revocation already covers it.
        const covered = expiring && (await tx.revocation.count({ where: { issuerId: id, status: "pending", serial: { gte: expiring.serial } } })) > 0;
        if (expiring && !covered) {
          const started = await openRevocation(tx, actor, current, {
            serial: expiring.serial,
            reason: "superseded",
            order: "sweep",
            exclude: new Set(),
            // Past the certificate's own expiry there is no reason to wait for stragglers.
            deadline: expiring.notAfter > now ? expiring.notAfter : undefined,
            now,
          });
          report.opened = { serial: expiring.serial, awaiting: started.awaiting, tokens: started.tokens };
        }
        report.completed = await completeIfDone(tx, actor, id, now);
        report.revocationNumber = (await tx.issuer.findUniqueOrThrow({ where: { id }, select: { revocationNumber: true } })).revocationNumber;
        return report;
      }),
    );
  }
  return reports;
}
