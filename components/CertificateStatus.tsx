import { Badge } from "@/components/ui/Card";

/**
 * Stored status plus what time says: a valid certificate past notAfter shows as expired;
 * one a pending revocation asks to renew says so (it is about to stop being accepted).
 */
export function CertificateStatus({ status, notAfter, awaitingRenewal = false, now = new Date() }: { status: string; notAfter: Date; awaitingRenewal?: boolean; now?: Date }) {
  if (status === "valid" && notAfter < now) return <Badge tone="amber">expired</Badge>;
  if (status === "valid" && awaitingRenewal) return <span title="Valid, but a pending revocation asks its holder to renew"><Badge tone="amber">awaiting renewal</Badge></span>;
  const tone = status === "valid" ? "green" : status === "revoked" ? "red" : "slate";
  return <Badge tone={tone}>{status}</Badge>;
}
