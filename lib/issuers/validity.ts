import { InputError } from "../errors";

/** SPEC 2.1: every server certificate of an issuer gets the same validity (13 months by default). */
export const DEFAULT_CERT_VALIDITY_DAYS = 396; // 13 × 30.4 days, rounded up
export const DEFAULT_CA_VALIDITY_DAYS = 20 * 365 + 5; // 20 years (seed 001's CA lifetime)
export const MAX_VALIDITY_DAYS = 100 * 366;

const DAY_MS = 86_400_000;

export function addDays(d: Date, days: number): Date {
  return new Date(d.getTime() + days * DAY_MS);
}

/**
 * notBefore is backdated by one minute: a device whose clock runs slightly behind
 * (the ones that have a clock) must not reject a certificate issued "in its future".
 */
export function validityWindow(now: Date, days: number): { notBefore: Date; notAfter: Date } {
  const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000 - 60_000);
  return { notBefore, notAfter: addDays(notBefore, days) };
}

/**
 * No certificate may outlive its CA, so neither may the issuer's certificate validity: an
 * explicit one longer than the CA's own is refused; the default (not chosen by anyone) is
 * shortened to the CA's validity (a 100-day lineage generation issues 100-day certificates).
 */
export function certValidityWithinCa(given: unknown, days: number, caDays: number): number {
  if (days <= caDays) return days;
  if (given === undefined || given === null || String(given).trim() === "") return caDays;
  throw new InputError("certValidityDays", `the certificate validity (${days} days) is longer than the CA's own validity (${caDays} days); no certificate may outlive its CA`);
}
