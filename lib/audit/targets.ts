import { db } from "../db";

/**
 * What an entry's target is, resolved for display: a name a person knows and what the
 * object's page needs (issuer and lineage pages go by name, a run page by its topology).
 * `gone`: the object no longer exists (a deleted topology or proxy); the entry keeps its id.
 */
export interface AuditTarget {
  type: string;
  id: string;
  name: string | null;
  gone: boolean;
  /** revocation: its issuer's name; certificate: its issuer's name. */
  issuer?: string;
  /** rotation-run: the topology it belongs to. */
  topologyId?: string;
}

/** Name from the entry's own before/after, for objects since deleted (topology, proxy). */
function recordedName(e: { before: string | null; after: string | null }): string | null {
  for (const s of [e.after, e.before]) {
    try {
      const v = s ? JSON.parse(s) : null;
      if (v && typeof v.name === "string") return v.name;
    } catch {
      /* not JSON: no name */
    }
  }
  return null;
}

type Ev = { seq: number; targetType: string; targetId: string; before: string | null; after: string | null };

/** One query per target type for a page of entries (at most a few hundred ids each). */
export async function resolveAuditTargets(events: Ev[]): Promise<Map<number, AuditTarget>> {
  const ids = (type: string) => [...new Set(events.filter((e) => e.targetType === type).map((e) => e.targetId))];
  const [certs, issuers, users, topologies, lineages, proxies, runs, revocations, tokens] = await Promise.all([
    db().certificate.findMany({ where: { id: { in: ids("certificate") } }, select: { id: true, serial: true, commonName: true, issuer: { select: { name: true } } } }),
    db().issuer.findMany({ where: { id: { in: ids("issuer") } }, select: { id: true, name: true } }),
    db().user.findMany({ where: { id: { in: ids("user") } }, select: { id: true, email: true } }),
    db().topology.findMany({ where: { id: { in: ids("topology") } }, select: { id: true, name: true } }),
    db().lineage.findMany({ where: { id: { in: ids("lineage") } }, select: { id: true, name: true } }),
    db().proxy.findMany({ where: { id: { in: ids("proxy") } }, select: { id: true, name: true } }),
    db().rotationRun.findMany({ where: { id: { in: ids("rotation-run") } }, select: { id: true, topologyId: true } }),
    db().revocation.findMany({ where: { id: { in: ids("revocation") } }, select: { id: true, serial: true, issuer: { select: { name: true } } } }),
    db().apiToken.findMany({ where: { id: { in: ids("api-token") } }, select: { id: true, name: true } }),
  ]);
  const known = new Map<string, Omit<AuditTarget, "type" | "id" | "gone">>();
  const key = (type: string, id: string) => `${type}\0${id}`;
  for (const c of certs) known.set(key("certificate", c.id), { name: `#${c.serial}${c.commonName ? ` ${c.commonName}` : ""}`, issuer: c.issuer.name });
  for (const r of issuers) known.set(key("issuer", r.id), { name: r.name });
  for (const r of users) known.set(key("user", r.id), { name: r.email });
  for (const r of topologies) known.set(key("topology", r.id), { name: r.name });
  for (const r of lineages) known.set(key("lineage", r.id), { name: r.name });
  for (const r of proxies) known.set(key("proxy", r.id), { name: r.name });
  for (const r of runs) known.set(key("rotation-run", r.id), { name: null, topologyId: r.topologyId });
  for (const r of revocations) known.set(key("revocation", r.id), { name: `#${r.serial}`, issuer: r.issuer.name });
  for (const r of tokens) known.set(key("api-token", r.id), { name: r.name });
  const out = new Map<number, AuditTarget>();
  for (const e of events) {
    const k = known.get(key(e.targetType, e.targetId));
    out.set(e.seq, { type: e.targetType, id: e.targetId, gone: !k, name: k?.name ?? recordedName(e), ...(k?.issuer ? { issuer: k.issuer } : {}), ...(k?.topologyId ? { topologyId: k.topologyId } : {}) });
  }
  return out;
}
