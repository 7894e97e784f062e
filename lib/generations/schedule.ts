import { SYSTEM, type Actor } from "../auth/actor";
import { db } from "../db";
import { ConflictError } from "../errors";
import { addDays } from "../issuers/validity";
import { generationsOf, nextGeneration, revokeGeneration, type NextCause } from "./lineage";

/**
 * When generation n+1 of a lineage is due (SPEC 3): leadDays before the newest CA's
 * notAfter, or at once when the newest generation was revoked. The background job
 * (lib/jobs.ts) runs runGenerationSchedule with the sweep; the operator can bring it
 * forward (`rootline lineage next`). Pure planning here, writes in lineage.ts.
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
}

const actor: Actor = { ...SYSTEM, name: "generation-schedule" };

/** Creates every due generation (at most one per lineage per run: a new one is due years later). */
export async function runGenerationSchedule(o: { now?: Date; lineage?: string } = {}): Promise<ScheduleRun[]> {
  const now = o.now ?? new Date();
  const out: ScheduleRun[] = [];
  for (const l of await db().lineage.findMany({ where: o.lineage ? { name: o.lineage } : {}, orderBy: { name: "asc" } })) {
    const gens = await generationsOf(l.id);
    const due = scheduleOf(l, gens);
    if (!due || due.dueAt > now) {
      out.push({ lineage: l.name, next: due });
      continue;
    }
    try {
      const c = await nextGeneration(actor, l.name, { now, cause: due.cause, expectGeneration: due.generation - 1 });
      out.push({ lineage: l.name, created: { generation: c.generation, issuer: c.issuer }, next: scheduleOf(l, await generationsOf(l.id)) });
    } catch (e) {
      // Another process created it first: nothing left to do.
      if (!(e instanceof ConflictError)) throw e;
      out.push({ lineage: l.name, next: scheduleOf(l, await generationsOf(l.id)) });
    }
  }
  return out;
}

/** Revokes generation n and, when it is the newest, creates n+1 at once (seed FIG. 8). */
export async function revokeGenerationNow(a: Actor, name: string, generation: number, reason: string, o: { now?: Date } = {}) {
  const revoked = await revokeGeneration(a, name, generation, reason, o);
  const [run] = await runGenerationSchedule({ now: o.now, lineage: name });
  return { ...revoked, created: run?.created };
}
