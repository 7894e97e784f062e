import { db } from "../db";

export interface AuditPage {
  events: { seq: number; at: Date; actor: string; action: string; targetType: string; targetId: string; before: string | null; after: string | null; hash: string }[];
  /** seq to pass as `before` for the next (older) page, or null at the start of the log. */
  nextBefore: number | null;
}

/** Newest first, keyset-paginated on seq so deep pages cost the same as the first. */
export async function listAuditEvents(opts: { action?: string; actor?: string; target?: string; before?: number; take?: number } = {}): Promise<AuditPage> {
  const take = Math.min(Math.max(opts.take ?? 50, 1), 200);
  const rows = await db().auditEvent.findMany({
    where: {
      ...(opts.action ? { action: opts.action } : {}),
      ...(opts.actor ? { actor: { contains: opts.actor } } : {}),
      // One object's history, e.g. a rotation run's (the run page links here).
      ...(opts.target ? { targetId: opts.target } : {}),
      ...(opts.before ? { seq: { lt: opts.before } } : {}),
    },
    orderBy: { seq: "desc" },
    take: take + 1,
  });
  const more = rows.length > take;
  const events = rows.slice(0, take);
  return { events, nextBefore: more ? events[events.length - 1].seq : null };
}
