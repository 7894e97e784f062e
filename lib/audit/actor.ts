/**
 * Who the log says made a change: a kind and a name. Any caller's actor fits (lib/auth's
 * Actor carries a role as well, which the log does not need), so the audit log depends on
 * nothing that writes to it.
 */
export interface AuditActor {
  kind: string;
  name: string;
}

export function actorLabel(a: AuditActor): string {
  return `${a.kind}:${a.name}`;
}
