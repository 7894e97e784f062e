import { z } from "zod";
import { DEFAULT_CA_VALIDITY_DAYS, DEFAULT_CERT_VALIDITY_DAYS, MAX_VALIDITY_DAYS } from "./validity";

/** Issuer names appear in repository URLs (/api/repository/{issuer}/...), hence the URL-safe alphabet. */
export const ISSUER_NAME = z
  .string({ error: "the name is required" })
  .trim()
  .min(1, "the name is required")
  .max(64, "at most 64 characters")
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "use letters, digits, dot, dash and underscore (it becomes part of device URLs)");

const days = (what: string, dflt: number) =>
  z.coerce
    .number({ error: `${what} must be a number of days` })
    .int(`${what} must be a whole number of days`)
    .min(1, `${what} must be at least one day`)
    .max(MAX_VALIDITY_DAYS, `${what} is longer than 100 years`)
    .default(dflt);

const serial = z
  .union([z.string(), z.number(), z.bigint()])
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v === "") return 1n;
    const s = String(v).trim();
    if (!/^\d+$/.test(s)) {
      ctx.addIssue({ code: "custom", message: "the first serial must be a whole number" });
      return z.NEVER;
    }
    const n = BigInt(s);
    // RFC 5280 §4.1.2.2: serials are positive. (The seeds count from 0; Rootline from 1.)
    if (n < 1n || n >= 2n ** 62n) {
      ctx.addIssue({ code: "custom", message: "the first serial must be between 1 and 2^62 (RFC 5280 serials are positive)" });
      return z.NEVER;
    }
    return n;
  });

export const IssuerSettings = z.object({
  name: ISSUER_NAME,
  validityDays: days("the CA validity", DEFAULT_CA_VALIDITY_DAYS),
  certValidityDays: days("the certificate validity", DEFAULT_CERT_VALIDITY_DAYS),
  firstSerial: serial,
});

export { parseOrThrow } from "../validation";
