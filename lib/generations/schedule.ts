import { SYSTEM, type Actor } from "../auth/actor";
import { db } from "../db";
import { ConflictError } from "../errors";
import { addDays } from "../issuers/validity";
import { generationsOf, nextGeneration, revokeGeneration, type NextCause } from "./lineage";
import { openDueMoves, type MoveRun } from "./moves";

/**
 * When generation n+1 of a lineage is due (SPEC 3): leadDays before the newest CA's
 * notAfter, or at once when the newest generation was revoked. The background job
 * (lib/jobs.ts) runs runGenerationSchedule with the sweep; the operator can bring it
 * forward (`rootline lineage next`). The same run opens the application servers' moves
 * that are due (lib/generations/moves.ts). Pure planning here, writes in lineage.ts.
 */

export interface ScheduleEntry {
  /** The generation that will be created. */
  generation: number;
  dueAt: Date;
  cause: Exclude<NextCause, "operator">;
}

export function scheduleOf(lineage: { leadDays: number }, gens: { generation: number; notAfter: Date; generationRevokedAt: Date | null }[]): ScheduleEntry | null {
  const newest = gens.at(-1);
  if (!newest) return null;
  if (newest.generationRevokedAt) return { generation: newest.generation + 1, dueAt: newest.generationRevokedAt, cause: "revoked" };
  return { generation: newest.generation + 1, dueAt: addDays(newest.notAfter, -lineage.leadDays), cause: "schedule" };
}

export interface ScheduleRun {
  lineage: string;
  created?: { generation: number; issuer: string };
  next: ScheduleEntry | null;
  /** Moves of application servers opened by this run. */
  moves: MoveRun[];
}

const actor: Actor = { ...SYSTEM, name: "generation-schedule" };

/** Creates every due generation (at most one per lineage per run: a new one is due years later). */
export async function runGenerationSchedule(o: { now?: Date; lineage?: string } = {}): Promise<ScheduleRun[]> {
  const now = o.now ?? new Date();
  const out: ScheduleRun[] = [];
  for (const l of await db().lineage.findMany({ where: o.lineage ? { name: o.lineage } : {}, orderBy: { name: "asc" } })) {
    const gens = await generationsOf(l.id);
    const due = scheduleOf(l, gens);
    let created: ScheduleRun["created"];
    if (due && due.dueAt <= now) {
      try {
        const c = await nextGeneration(actor, l.name, { now, cause: due.cause, expectGeneration: due.generation - 1 });
        created = { generation: c.generation, issuer: c.issuer };
      } catch (e) {
        // Another process created it first: nothing left to do.
        if (!(e instanceof ConflictError)) throw e;
      }
    }
    // After the creation: a revoked newest generation's servers move to the one just made.
    const moves = await openDueMoves(actor, l, now);
    out.push({ lineage: l.name, created, next: scheduleOf(l, await generationsOf(l.id)), moves });
  }
  return out;
}

/** Revokes generation n and, when it is the newest, creates n+1 at once (seed FIG. 8). */
export async function revokeGenerationNow(a: Actor, name: string, generation: number, reason: string, o: { now?: Date } = {}) {
  const revoked = await revokeGeneration(a, name, generation, reason, o);
  const [run] = await runGenerationSchedule({ now: o.now, lineage: name });
  return { ...revoked, created: run?.created, moves: run?.moves ?? [] };
}
