/**
 * The inventory of audit events (Boulder keeps one too): every state change in
 * Rootline writes exactly one of these, in the same transaction as the change.
 * docs/AUDIT_EVENTS.md describes each.
 */
export const AUDIT_ACTIONS = [
  "user.create",
  "user.update",
  "user.disable",
  "session.sign-in",
  "session.sign-out",
  "session.sign-in-failed",
  "api-token.create",
  "api-token.revoke",
  "issuer.create",
  "issuer.import",
  "certificate.issue",
  "certificate.revoke",
  "certificate.renew",
  "certificate.key-export",
  "revocation.start",
  "revocation.exclude",
  "revocation.complete",
  "revocation-number.change",
  "crl.publish",
  "topology.create",
  "topology.update",
  "topology.delete",
  "master-key.rotate",
  "audit.anchor",
  "certificate.key-purge",
  "topology.bind",
  "topology.provision",
  "rotation.start",
  "rotation.task-failed",
  "rotation.fail",
  "rotation.resume",
  "rotation.complete",
  "issuer.root-key-change",
  "lineage.create",
  "lineage.next-generation",
  "lineage.revoke-generation",
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];
