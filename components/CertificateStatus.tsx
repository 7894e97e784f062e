import { Badge } from "@/components/ui/Card";
import { certificateStatusWord, type StatusFacts, type StatusWord } from "@/lib/certificates/statusWord";

const TONE: Record<StatusWord, "green" | "amber" | "red" | "slate"> = { valid: "green", expired: "amber", "awaiting renewal": "amber", superseded: "slate", revoked: "red" };

/** The status word lib/certificates/statusWord.ts decides, as a badge. */
export function CertificateStatus({ now = new Date(), ...facts }: StatusFacts & { now?: Date }) {
  const word = certificateStatusWord(facts, now);
  const badge = <Badge tone={TONE[word]}>{word}</Badge>;
  if (word !== "awaiting renewal") return badge;
  // Raise-first already moved the RN past it: devices reject it until the holder renews.
  const title = facts.status === "revoked" ? "Rejected by devices: a pending revocation asks its holder to renew" : "Valid, but a pending revocation asks its holder to renew";
  return <span title={title}>{badge}</span>;
}
