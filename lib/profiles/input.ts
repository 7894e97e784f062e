import { z } from "zod";
import { EXT_KEY_USAGE_OIDS, KEY_USAGE_BITS, PROFILE_NAMES, type ExtKeyUsageName, type KeyUsageName, type Profile } from "../pki/profiles";
import { MAX_VALIDITY_DAYS } from "../issuers/validity";

/** What a custom profile may not carry: CA powers, and the repository's marker (a device trusts it). */
const CA_KEY_USAGES: readonly KeyUsageName[] = ["keyCertSign", "cRLSign"];
const RESERVED_EKUS: readonly ExtKeyUsageName[] = ["rootlineRepository"];
export const CUSTOM_KEY_USAGES = KEY_USAGE_BITS.filter((k) => !CA_KEY_USAGES.includes(k));
export const CUSTOM_EXT_KEY_USAGES = (Object.keys(EXT_KEY_USAGE_OIDS) as ExtKeyUsageName[]).filter((e) => !RESERVED_EKUS.includes(e));

/** Forms send "a, b" or repeated fields; the API sends arrays. */
const list = (what: string) =>
  z
    .union([z.string(), z.array(z.string())], { error: `${what} must be a list` })
    .optional()
    .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : v.split(/[\s,]+/)).map((s) => s.trim()).filter(Boolean))
    .transform((v) => [...new Set(v)]);

const flag = (dflt: boolean) => z.union([z.boolean(), z.string()]).optional().transform((v) => (v === undefined || v === "" ? dflt : v === true || v === "on" || v === "true"));

export const CustomProfileInput = z
  .object({
    name: z
      .string({ error: "the name is required" })
      .trim()
      .min(1, "the name is required")
      .max(40, "at most 40 characters")
      .regex(/^[a-z][a-z0-9-]*$/, "use lower-case letters, digits and dashes, starting with a letter")
      .refine((n) => !(PROFILE_NAMES as readonly string[]).includes(n), "this is the name of a built-in profile"),
    description: z.string().trim().max(200, "at most 200 characters").optional().default(""),
    keyUsage: list("key usage").pipe(
      z
        .array(z.string())
        .min(1, "choose at least one key usage")
        .refine((v) => !v.some((k) => CA_KEY_USAGES.includes(k as KeyUsageName)), "keyCertSign and cRLSign make a CA; custom profiles issue end-entity certificates only")
        .refine((v) => v.every((k) => (CUSTOM_KEY_USAGES as readonly string[]).includes(k)), `unknown key usage; expected some of ${CUSTOM_KEY_USAGES.join(", ")}`)
        // RFC 5280 §4.2.1.3: encipherOnly/decipherOnly mean something only with keyAgreement.
        .refine((v) => !(v.includes("encipherOnly") || v.includes("decipherOnly")) || v.includes("keyAgreement"), "encipherOnly and decipherOnly need keyAgreement")
        .refine((v) => !(v.includes("encipherOnly") && v.includes("decipherOnly")), "encipherOnly and decipherOnly exclude each other"),
    ),
    extKeyUsage: list("extended key usage").pipe(
      z
        .array(z.string())
        // A leaf without EKU is good for any purpose; a profile states what it is for.
        .min(1, "choose at least one extended key usage")
        .refine((v) => !v.some((e) => RESERVED_EKUS.includes(e as ExtKeyUsageName)), "the repository marker is Rootline's own (devices trust it)")
        .refine((v) => v.every((e) => (CUSTOM_EXT_KEY_USAGES as readonly string[]).includes(e)), `unknown extended key usage; expected some of ${CUSTOM_EXT_KEY_USAGES.join(", ")}`),
    ),
    maxValidityDays: z.coerce
      .number({ error: "the maximum validity must be a number of days" })
      .int("the maximum validity must be a whole number of days")
      .min(1, "the maximum validity must be at least one day")
      .max(MAX_VALIDITY_DAYS, "the maximum validity is longer than 100 years"),
    requiresSan: flag(false),
    allowsSan: flag(true),
  })
  .superRefine((p, ctx) => {
    if (p.requiresSan && !p.allowsSan) ctx.addIssue({ code: "custom", path: ["allowsSan"], message: "a profile that requires a SAN must allow one" });
  });

export type CustomProfileData = z.output<typeof CustomProfileInput>;

/**
 * One usage list, per key family as the built-in profiles have it: EC keys cannot encipher
 * (RFC 5480 §3), RSA keys cannot agree keys (RFC 4055).
 */
export function toProfile(d: { name: string; description: string; keyUsage: readonly string[]; extKeyUsage: readonly string[]; maxValidityDays: number; requiresSan: boolean; allowsSan: boolean }): Profile {
  const ku = d.keyUsage as KeyUsageName[];
  const ec = ku.filter((k) => k !== "keyEncipherment" && k !== "dataEncipherment");
  const rsa = ku.filter((k) => k !== "keyAgreement" && k !== "encipherOnly" && k !== "decipherOnly");
  return {
    name: d.name,
    description: d.description || d.name,
    isCa: false,
    // Either may be empty (e.g. keyEncipherment alone): such a profile refuses that key family at request time.
    keyUsage: { ec, rsa },
    extKeyUsage: d.extKeyUsage as ExtKeyUsageName[],
    requiresSan: d.requiresSan,
    allowsSan: d.allowsSan,
    maxValidityDays: d.maxValidityDays,
    custom: true,
  };
}
