import { KEY_TYPE_LABELS, type KeyType } from "@/lib/pki/keyTypes";

/** Dates on the lineage pages: UTC calendar days (CA lifetimes are years), times for reports. */
export const day = (d: Date) => d.toISOString().slice(0, 10);
export const utcTime = (d: Date) => `${d.toISOString().replace("T", " ").slice(0, 19)} UTC`;
export const keyLabel = (t: string) => KEY_TYPE_LABELS[t as KeyType] ?? t;

/** "in 5 years", "in 12 days", "3 days ago": the schedule is read at a glance, the date gives precision. */
export function relative(to: Date, now: Date): string {
  const days = Math.round((to.getTime() - now.getTime()) / 86_400_000);
  const abs = Math.abs(days);
  const span = abs >= 730 ? `${Math.round(abs / 365.25)} years` : abs >= 60 ? `${Math.round(abs / 30.44)} months` : abs === 1 ? "1 day" : `${abs} days`;
  if (abs === 0) return "today";
  return days > 0 ? `in ${span}` : `${span} ago`;
}

/** A fingerprint in colon-separated pairs, as openssl prints it. */
export const pairs = (hex: string) => hex.toUpperCase().match(/../g)!;
