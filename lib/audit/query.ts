import { db } from "../db";
import { InputError } from "../errors";
import type { Prisma } from "../../generated/prisma/client";
import type { StoredAuditRecord } from "./chain";

/** One stored entry, as the chain stores it. */
export type AuditRow = StoredAuditRecord;

export interface AuditPage {
  events: AuditRow[];
  /** seq to pass as `before` for the next (older) page, or null at the start of the log. */
  nextBefore: number | null;
}

/** What the page, its shareable URL and both exports filter on: one meaning everywhere. */
export interface AuditFilter {
  /** Entries at or after this instant. */
  from?: Date;
  /** Entries before this instant (exclusive; parseAuditFilter turns a day into the next midnight). */
  until?: Date;
  /** Substring of the actor label (`user:alice@…`, `system:crl`). */
  actor?: string;
  action?: string;
  targetType?: string;
  /** An object's id, or its name (issuer, lineage, topology, proxy) or a user's email. */
  target?: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?Z?$/;

/** A day (UTC) or an instant (UTC when no zone is given); `end` turns a day into the next midnight. */
function parseWhen(field: string, raw: string, end: boolean): Date {
  const s = raw.trim();
  if (!DAY.test(s) && !INSTANT.test(s)) throw new InputError(field, `"${raw.slice(0, 40)}" is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC)`);
  const d = new Date(DAY.test(s) ? `${s}T00:00:00Z` : s.endsWith("Z") ? s : `${s}Z`);
  // new Date() rolls 2026-02-30 over to March: compare the day back to catch it.
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== s.slice(0, 10)) throw new InputError(field, `"${raw.slice(0, 40)}" is not a calendar date`);
  if (end) d.setTime(d.getTime() + (DAY.test(s) ? 86_400_000 : s.length <= 16 ? 60_000 : 1000));
  return d;
}

/**
 * The filter from URL search parameters (`from`, `to`, `actor`, `action`, `type`, `target`),
 * so a filtered view is a link. `to` is inclusive: `to=2026-11-30` keeps all of that day.
 */
export function parseAuditFilter(sp: Record<string, string | string[] | undefined> | URLSearchParams): AuditFilter {
  const get = (k: string): string | undefined => {
    const v = sp instanceof URLSearchParams ? sp.get(k) : sp[k];
    const s = (Array.isArray(v) ? v[0] : v)?.trim();
    return s ? s : undefined;
  };
  const f: AuditFilter = {};
  const from = get("from");
  const to = get("to");
  if (from) f.from = parseWhen("from", from, false);
  if (to) f.until = parseWhen("to", to, true);
  if (f.from && f.until && f.from >= f.until) throw new InputError("to", "the end of the range is before its start");
  for (const k of ["actor", "action", "target"] as const) {
    const v = get(k);
    if (v) f[k] = v.slice(0, 200);
  }
  const type = get("type");
  if (type) f.targetType = type.slice(0, 50);
  return f;
}

/** The filter as URL parameters again (the inverse of parseAuditFilter, for links and exports). */
export function auditFilterParams(sp: Record<string, string | string[] | undefined>): URLSearchParams {
  const out = new URLSearchParams();
  for (const k of ["from", "to", "actor", "action", "type", "target"]) {
    const v = sp[k];
    const s = (Array.isArray(v) ? v[0] : v)?.trim();
    if (s) out.set(k, s);
  }
  return out;
}

/** Ids a target term stands for: itself, and whatever object carries it as a unique name. */
async function targetIds(term: string): Promise<string[]> {
  const named = { where: { name: term }, select: { id: true } } as const;
  const found = await Promise.all([
    db().issuer.findMany(named),
    db().lineage.findMany(named),
    db().topology.findMany(named),
    db().proxy.findMany(named),
    db().user.findMany({ where: { email: term }, select: { id: true } }),
  ]);
  return [term, ...found.flat().map((r) => r.id)];
}

async function auditWhere(f: AuditFilter): Promise<Prisma.AuditEventWhereInput> {
  return {
    ...(f.from || f.until ? { at: { ...(f.from ? { gte: f.from } : {}), ...(f.until ? { lt: f.until } : {}) } } : {}),
    ...(f.action ? { action: f.action } : {}),
    ...(f.actor ? { actor: { contains: f.actor } } : {}),
    ...(f.targetType ? { targetType: f.targetType } : {}),
    // One object's history, e.g. a rotation run's (the run page links here).
    ...(f.target ? { targetId: { in: await targetIds(f.target) } } : {}),
  };
}

/** Newest first, keyset-paginated on seq so deep pages cost the same as the first. */
export async function listAuditEvents(opts: AuditFilter & { before?: number; take?: number } = {}): Promise<AuditPage> {
  const take = Math.min(Math.max(opts.take ?? 50, 1), 200);
  const where = await auditWhere(opts);
  const rows = await db().auditEvent.findMany({
    where: { ...where, ...(opts.before ? { seq: { lt: opts.before } } : {}) },
    orderBy: { seq: "desc" },
    take: take + 1,
  });
  const more = rows.length > take;
  const events = rows.slice(0, take);
  return { events, nextBefore: more ? events[events.length - 1].seq : null };
}

/**
 * Every entry the filter keeps, oldest first, in batches: an export of the whole log
 * holds one batch in memory. It stops at the head it found first, so entries appended
 * while it runs do not stretch it.
 */
export async function* auditEventsForExport(f: AuditFilter, batch = 500): AsyncGenerator<AuditRow> {
  const where = await auditWhere(f);
  const head = await db().auditEvent.findFirst({ orderBy: { seq: "desc" }, select: { seq: true } });
  if (!head) return;
  let after = 0;
  for (;;) {
    const rows = await db().auditEvent.findMany({ where: { ...where, seq: { gt: after, lte: head.seq } }, orderBy: { seq: "asc" }, take: batch });
    yield* rows;
    if (rows.length < batch) return;
    after = rows[rows.length - 1].seq;
  }
}
