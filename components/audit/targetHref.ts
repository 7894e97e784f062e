import type { AuditTarget } from "@/lib/audit/targets";

/**
 * The staff page of an entry's target, or null when it has none (or no longer exists).
 * Users and API tokens have pages only for administrators: others get the object's
 * history in the audit log instead of a link to /forbidden.
 */
export function auditTargetHref(t: AuditTarget, viewer: { manageUsers: boolean }): string | null {
  if (t.gone) return null;
  const id = encodeURIComponent(t.id);
  switch (t.type) {
    case "certificate": return `/certificates/${id}`;
    case "issuer": return t.name ? `/issuers/${encodeURIComponent(t.name)}` : null;
    case "user": return viewer.manageUsers ? `/users/${id}` : `/audit?target=${id}`;
    case "topology": return `/topologies/${id}`;
    case "lineage": return t.name ? `/lineages/${encodeURIComponent(t.name)}` : null;
    case "proxy": return `/proxies/${id}`;
    case "rotation-run": return t.topologyId ? `/topologies/${encodeURIComponent(t.topologyId)}/runs/${id}` : null;
    case "revocation": return t.issuer ? `/revocation?issuer=${encodeURIComponent(t.issuer)}` : null;
    case "api-token": return viewer.manageUsers ? "/tokens" : `/audit?target=${id}`;
    default: return null;
  }
}
