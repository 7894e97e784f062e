import type { AuditAction } from "./events";

/**
 * What each audit action reads as on the page and in exports: past tense, plain words.
 * Typed over the whole inventory, so a new event in ./events.ts without a label fails
 * `tsc` (and labels.test.ts says which one).
 */
export const AUDIT_LABELS: Record<AuditAction, string> = {
  "user.create": "created user",
  "user.update": "updated user",
  "user.disable": "disabled user",
  "user.role-change": "changed user role",
  "user.password-change": "changed own password",
  "user.password-reset-link": "created password reset link",
  "user.password-reset": "reset password",
  "session.sign-in": "signed in",
  "session.sign-out": "signed out",
  "session.sign-in-failed": "failed to sign in",
  "session.sign-out-everywhere": "signed out everywhere",
  "api-token.create": "created API token",
  "api-token.revoke": "revoked API token",
  "issuer.create": "created issuer",
  "issuer.import": "imported issuer",
  "issuer.update": "updated issuer",
  "certificate.issue": "issued certificate",
  "certificate.revoke": "revoked certificate",
  "certificate.renew": "renewed certificate",
  "certificate.key-export": "downloaded certificate key",
  "revocation.start": "started revocation",
  "revocation.exclude": "excluded holder from revocation",
  "revocation.complete": "completed revocation",
  "revocation-number.change": "moved revocation number",
  "crl.publish": "published CRL",
  "topology.create": "created topology",
  "topology.update": "updated topology",
  "topology.delete": "deleted topology",
  "master-key.rotate": "rotated master key",
  "audit.anchor": "anchored audit log",
  "backup.create": "made backup",
  "backup.restore": "restored backup",
  "certificate.key-purge": "purged certificate key",
  "topology.bind": "bound topology to issuer",
  "topology.provision": "provisioned topology",
  "rotation.start": "started root rotation",
  "rotation.task-failed": "rotation task failed",
  "rotation.fail": "root rotation failed",
  "rotation.resume": "resumed root rotation",
  "rotation.complete": "completed root rotation",
  "issuer.root-key-change": "changed issuer root key",
  "lineage.create": "created lineage",
  "lineage.next-generation": "created next generation",
  "lineage.revoke-generation": "revoked generation",
  "lineage.move-start": "started move to next generation",
  "lineage.move-complete": "completed move to next generation",
  "proxy.register": "registered proxy",
  "proxy.update": "updated proxy",
  "proxy.policy-change": "changed proxy policy",
  "proxy.delete": "deleted proxy",
  "proxy.certificate-issue": "issued proxy certificate",
  "profile.create": "added certificate profile",
  "acme.account-create": "registered ACME account",
  "acme.account-update": "updated ACME account",
  "acme.account-deactivate": "deactivated ACME account",
  "acme.account-key-change": "changed ACME account key",
  "acme.policy-change": "changed ACME policy",
  "acme.eab-key-create": "created ACME account binding key",
  "acme.eab-key-revoke": "revoked ACME account binding key",
  "est.secret-create": "created EST enrolment secret",
};

/** The label of any action the log holds; one no longer in the inventory still reads as words. */
export function actionLabel(action: string): string {
  return (AUDIT_LABELS as Record<string, string>)[action] ?? action.replace(/[.\-_]+/g, " ");
}
