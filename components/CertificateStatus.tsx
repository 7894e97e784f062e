import { Badge } from "@/components/ui/Card";

/** Stored status plus what time says: a valid certificate past notAfter shows as expired. */
export function CertificateStatus({ status, notAfter, now = new Date() }: { status: string; notAfter: Date; now?: Date }) {
  if (status === "valid" && notAfter < now) return <Badge tone="amber">expired</Badge>;
  const tone = status === "valid" ? "green" : status === "revoked" ? "red" : "slate";
  return <Badge tone={tone}>{status}</Badge>;
}
