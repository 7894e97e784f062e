import { InputError } from "../errors";
import { MAX_VALIDITY_DAYS, validityWindow } from "../issuers/validity";
import type { Profile } from "../pki/profiles";

const DAY_MS = 86_400_000;
const day = (d: Date) => d.toISOString().slice(0, 10);

/** An operator's per-certificate validity: absent (the default), or whole days from 1. */
export function parseValidityDays(v: unknown, field = "validityDays"): number | undefined {
  if (v === undefined || v === null || (typeof v === "string" && v.trim() === "")) return undefined;
  const n = typeof v === "number" ? v : typeof v === "string" && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 1) throw new InputError(field, "the validity must be a whole number of days, at least 1");
  if (n > MAX_VALIDITY_DAYS) throw new InputError(field, "the validity is longer than 100 years");
  return n;
}

export interface CertificateValidity {
  notBefore: Date;
  notAfter: Date;
  /** The default validity would have outlived the CA: notAfter is the CA's (said on the page and in the audit event). */
  cappedAtCaExpiry: boolean;
}

/**
 * The validity of one certificate. The maximum is the issuer's certificate validity, lowered
 * by the profile's own maximum; an explicit `validityDays` above it is refused. No
 * certificate outlives its CA: an explicit validity that would is refused (the operator
 * asked for something that cannot be), the default one is capped at the CA's notAfter and
 * says so.
 */
export function certificateValidity(
  now: Date,
  issuer: { name: string; notAfter: Date; certValidityDays: number },
  profile: Pick<Profile, "name" | "maxValidityDays">,
  validityDays?: number,
): CertificateValidity {
  const max = Math.min(issuer.certValidityDays, profile.maxValidityDays ?? Infinity);
  const byProfile = max < issuer.certValidityDays;
  if (validityDays !== undefined && validityDays > max) {
    throw new InputError(
      "validityDays",
      byProfile
        ? `at most ${max} days: the maximum of the ${profile.name} profile (the issuer "${issuer.name}" allows ${issuer.certValidityDays})`
        : `at most ${max} days: the certificate validity of the issuer "${issuer.name}"`,
    );
  }
  const win = validityWindow(now, validityDays ?? max);
  if (win.notAfter <= issuer.notAfter) return { ...win, cappedAtCaExpiry: false };
  if (validityDays !== undefined) {
    const left = Math.floor((issuer.notAfter.getTime() - win.notBefore.getTime()) / DAY_MS);
    throw new InputError("validityDays", `${validityDays} days would outlive the CA "${issuer.name}", which expires on ${day(issuer.notAfter)}; at most ${left} days`);
  }
  return { notBefore: win.notBefore, notAfter: issuer.notAfter, cappedAtCaExpiry: true };
}
