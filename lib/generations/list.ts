import { db } from "../db";
import type { GenerationView } from "./view";
import { scheduleOf, type ScheduleEntry } from "./schedule";

/**
 * The lineage list (web UI) and the operator's word for each generation's role. Devices
 * trust "current" and fetch "next" ahead of time (SPEC 3); the domain view (view.ts)
 * says active/superseded, which is the CA's angle rather than the fleet's.
 */

export type GenerationRole = "current" | "next" | "expired" | "revoked";

/** The oldest generation neither revoked nor expired is current; younger live ones are next. */
export function rolesOf(gens: Pick<GenerationView, "n" | "state">[]): Map<number, GenerationRole> {
  const out = new Map<number, GenerationRole>();
  let current = false;
  for (const g of [...gens].sort((a, b) => a.n - b.n)) {
    if (g.state === "revoked" || g.state === "expired") out.set(g.n, g.state);
    else {
      out.set(g.n, current ? "next" : "current");
      current = true;
    }
  }
  return out;
}

export interface LineageSummary {
  name: string;
  keyType: string;
  generations: number;
  newest: { n: number; issuer: string; notAfter: Date } | null;
  schedule: ScheduleEntry | null;
}

export async function listLineages(): Promise<LineageSummary[]> {
  const rows = await db().lineage.findMany({
    orderBy: { name: "asc" },
    select: { name: true, keyType: true, leadDays: true, issuers: { orderBy: { generation: "asc" }, select: { name: true, generation: true, notAfter: true, generationRevokedAt: true } } },
  });
  return rows.map((l) => {
    const newest = l.issuers.at(-1);
    return {
      name: l.name,
      keyType: l.keyType,
      generations: l.issuers.length,
      newest: newest ? { n: newest.generation, issuer: newest.name, notAfter: newest.notAfter } : null,
      schedule: scheduleOf(l, l.issuers),
    };
  });
}
