import { BlockList, isIP } from "node:net";
import { domainToASCII, domainToUnicode } from "node:url";
import { z } from "zod";
import { appendAudit } from "../audit";
import type { Actor } from "../auth/actor";
import { requirePermission } from "../auth/roles";
import { db } from "../db";
import { InputError } from "../errors";
import { parsePermittedNames } from "../pki/nameConstraints";
import { validateDnsName, validateIp } from "../pki/san";
import { resolveProfile } from "../profiles/service";
import { issuerByName } from "../store/state";
import { parseOrThrow } from "../validation";
import { AcmeProblem } from "./problem";

/**
 * Per-issuer ACME policy: which identifiers an issuer certifies through ACME (DNS
 * suffixes, IP ranges), with which profile, and whether new accounts need an External
 * Account Binding. Set by staff (UI, CLI), read by the ACME server on every order.
 */
export interface AcmePolicyView {
  issuerId: string;
  enabled: boolean;
  /** "rootline.test" allows it and every name below it; ".rootline.test" only names below it. */
  allowDns: string[];
  /** CIDRs, canonical ("10.0.0.0/8", "2001:db8::/32"). */
  allowIp: string[];
  /** Certificate profile; null: "server". */
  profile: string | null;
  requireEab: boolean;
}

/** Most names one order may carry (Let's Encrypt's limit too). */
export const MAX_IDENTIFIERS = 100;

const lines = (s: string) => s.split("\n").filter(Boolean);

function toView(row: { issuerId: string; enabled: boolean; allowDns: string; allowIp: string; profile: string | null; requireEab: boolean }): AcmePolicyView {
  return { issuerId: row.issuerId, enabled: row.enabled, allowDns: lines(row.allowDns), allowIp: lines(row.allowIp), profile: row.profile, requireEab: row.requireEab };
}

/** The issuer's ACME policy when ACME is on for it; null when it has none or it is disabled. */
export async function acmePolicy(issuerId: string): Promise<AcmePolicyView | null> {
  const row = await db().acmePolicy.findUnique({ where: { issuerId } });
  return row?.enabled ? toView(row) : null;
}

/** The stored policy for display (UI, CLI), enabled or not; a default, disabled one when none was ever set. */
export async function acmePolicyOf(issuerName: string): Promise<AcmePolicyView> {
  const issuer = await issuerByName(db(), issuerName, { id: true });
  const row = await db().acmePolicy.findUnique({ where: { issuerId: issuer.id } });
  return row ? toView(row) : { issuerId: issuer.id, enabled: false, allowDns: [], allowIp: [], profile: null, requireEab: false };
}

// ---------------------------------------------------------------- identifiers

/**
 * Why a DNS name cannot be an identifier, or null. On top of the SAN syntax (lib/pki/san):
 * ASCII only (an IDN as its A-label), and a label with "--" in positions 3–4 must be a
 * valid punycode A-label ("xn--"), as the CA/Browser Forum and Boulder require.
 */
function dnsSyntaxError(name: string): string | null {
  if (name !== name.trim()) return `"${name}" has surrounding white space`;
  if (name.endsWith(".")) return `"${name}" ends with a dot; send the name without it`;
  if (/[^\x00-\x7f]/.test(name)) return `"${name}" is not ASCII; send an internationalised name as its A-label (xn--…)`;
  try {
    validateDnsName(name);
  } catch (e) {
    if (e instanceof InputError) return e.message;
    throw e;
  }
  for (const label of name.toLowerCase().split(".")) {
    if (label.slice(2, 4) !== "--") continue;
    if (!label.startsWith("xn--")) return `"${name}" has the label "${label}": "--" in the third and fourth positions is reserved for A-labels (xn--)`;
    const unicode = domainToUnicode(label);
    if (!unicode || unicode === label || domainToASCII(unicode) !== label) return `"${name}" has the label "${label}", which is not a valid punycode A-label`;
  }
  return null;
}

function dnsAllowed(suffixes: readonly string[], name: string): boolean {
  // On a label boundary only: "rootline.test" allows "app.rootline.test", never "evilrootline.test".
  return suffixes.some((s) => (s.startsWith(".") ? name.endsWith(s) : name === s || name.endsWith(`.${s}`)));
}

function ipBlockList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const c of cidrs) {
    const [addr, prefix] = c.split("/");
    list.addSubnet(addr, Number(prefix), isIP(addr) === 6 ? "ipv6" : "ipv4");
  }
  return list;
}

const URN = "urn:ietf:params:acme:error:";
type Subproblem = { type: string; detail: string; identifier?: { type: string; value: string } };

function allowedText(policy: AcmePolicyView): string {
  return `DNS: ${policy.allowDns.join(", ") || "none"}; IP: ${policy.allowIp.join(", ") || "none"}`;
}

function checkOne(policy: AcmePolicyView, blocks: BlockList, id: { type: string; value: string }): Subproblem | null {
  const identifier = { type: String(id.type), value: String(id.value) };
  const problem = (type: string, detail: string) => ({ type: `${URN}${type}`, detail, identifier });
  if (typeof id.type !== "string" || typeof id.value !== "string") return problem("malformed", "an identifier needs a type and a value, both strings");
  if (id.type === "dns") {
    if (id.value.startsWith("*.")) return problem("unsupportedIdentifier", `"${id.value}": wildcard names need the dns-01 challenge, which this CA does not offer (only http-01)`);
    const why = dnsSyntaxError(id.value);
    if (why) return problem("malformed", why);
    const name = id.value.toLowerCase();
    if (!policy.enabled || !dnsAllowed(policy.allowDns, name)) return problem("rejectedIdentifier", `"${name}" is outside the names this CA certifies through ACME (${allowedText(policy)})`);
    return null;
  }
  if (id.type === "ip") {
    let canonical: string;
    try {
      canonical = validateIp(id.value);
    } catch (e) {
      if (e instanceof InputError) return problem("malformed", e.message);
      throw e;
    }
    // RFC 8738 3: the textual form of RFC 1123 / RFC 5952, so it matches the CSR's SAN exactly.
    if (canonical !== id.value) return problem("malformed", `"${id.value}" is not in canonical form; send "${canonical}" (RFC 8738)`);
    if (!policy.enabled || !blocks.check(canonical, isIP(canonical) === 6 ? "ipv6" : "ipv4")) return problem("rejectedIdentifier", `${canonical} is outside the addresses this CA certifies through ACME (${allowedText(policy)})`);
    return null;
  }
  return problem("unsupportedIdentifier", `identifier type "${identifier.type}" is not supported; use "dns" or "ip"`);
}

/**
 * The problem with an order's identifiers under the policy, or null when every one is
 * allowed. One subproblem per identifier at fault (RFC 8555 6.7.1); the top-level type is
 * theirs when they agree, else "compound".
 */
export function checkIdentifiers(policy: AcmePolicyView, ids: { type: string; value: string }[]): AcmeProblem | null {
  if (!Array.isArray(ids) || ids.length === 0) return new AcmeProblem("malformed", "the order names no identifiers");
  if (ids.length > MAX_IDENTIFIERS) return new AcmeProblem("rejectedIdentifier", `an order may name at most ${MAX_IDENTIFIERS} identifiers, this one names ${ids.length}`);
  const blocks = ipBlockList(policy.allowIp);
  const subproblems: Subproblem[] = [];
  for (const id of ids as unknown[]) {
    const p = id && typeof id === "object" ? checkOne(policy, blocks, id as { type: string; value: string }) : { type: `${URN}malformed`, detail: "an identifier must be an object {type, value}" };
    if (p) subproblems.push(p);
  }
  if (subproblems.length === 0) return null;
  const types = new Set(subproblems.map((p) => p.type));
  const type = types.size === 1 ? subproblems[0].type.slice(URN.length) : "compound";
  const detail = subproblems.length === 1 ? subproblems[0].detail : `${subproblems.length} of the order's identifiers cannot be certified: ${subproblems.map((p) => p.detail).join("; ")}`;
  return new AcmeProblem(type, detail, 400, { subproblems });
}

// ---------------------------------------------------------------- setting it

const list = z.union([z.string(), z.array(z.string())]).optional();
const flag = z.union([z.boolean(), z.enum(["on", "true", "false", ""])]).optional().transform((v) => v === true || v === "on" || v === "true");

const PolicyInput = z.object({
  enabled: z.union([z.boolean(), z.enum(["on", "true", "false", ""])]).optional().transform((v) => v === undefined || v === true || v === "on" || v === "true"),
  allowDns: list,
  allowIp: list,
  profile: z.string().max(40, "a profile name has at most 40 characters").nullable().optional(),
  requireEab: flag,
});

/** Parses with lib/pki's name-constraint rules, reporting under this form's field names. */
function parseAllowed(input: { dns?: string | string[]; ip?: string | string[] }): { dns: string[]; ip: string[] } {
  // An operator may write a suffix as DNS writes it, with the root's dot.
  const dns = (typeof input.dns === "string" ? input.dns.split(/[\s,]+/) : (input.dns ?? [])).map((s) => s.trim().replace(/\.$/, "")).filter(Boolean);
  try {
    const parsed = parsePermittedNames({ dns, ip: input.ip });
    for (const s of parsed.dns) {
      const why = dnsSyntaxError(s.replace(/^\./, ""));
      if (why) throw new InputError("allowDns", why);
    }
    return parsed;
  } catch (e) {
    if (e instanceof InputError && e.field === "permittedDns") throw new InputError("allowDns", e.message);
    if (e instanceof InputError && e.field === "permittedIp") throw new InputError("allowIp", e.message);
    throw e;
  }
}

/**
 * Sets the issuer's whole ACME policy (audited). Input from a form or the CLI:
 * `{enabled, allowDns, allowIp, profile, requireEab}`, lists as arrays or one string
 * separated by commas, spaces or newlines.
 */
export async function setAcmePolicy(actor: Actor, issuerName: string, input: unknown): Promise<AcmePolicyView> {
  requirePermission(actor.role, "issuers:write");
  const d = parseOrThrow(PolicyInput, input ?? {});
  const allowed = parseAllowed({ dns: d.allowDns, ip: d.allowIp });
  if (d.enabled && allowed.dns.length === 0 && allowed.ip.length === 0) {
    throw new InputError("allowDns", "name at least one DNS suffix (or IP range) this CA certifies through ACME, or turn ACME off");
  }
  const profileName = d.profile?.trim() || null;
  if (profileName) {
    const p = await resolveProfile(profileName, "profile");
    // ACME certifies names: a profile that cannot carry a SAN would make every order fail.
    if (!p.allowsSan) throw new InputError("profile", `the profile "${p.name}" carries no subject alternative names, which ACME certificates need`);
  }
  return db().$transaction(async (tx) => {
    const issuer = await issuerByName(tx, issuerName, { id: true, name: true });
    const before = await tx.acmePolicy.findUnique({ where: { issuerId: issuer.id } });
    const data = { enabled: d.enabled, allowDns: allowed.dns.join("\n"), allowIp: allowed.ip.join("\n"), profile: profileName, requireEab: d.requireEab };
    const row = await tx.acmePolicy.upsert({ where: { issuerId: issuer.id }, create: { issuerId: issuer.id, ...data }, update: data });
    const view = toView(row);
    const shown = (v: AcmePolicyView) => ({ issuer: issuer.name, enabled: v.enabled, allowDns: v.allowDns, allowIp: v.allowIp, profile: v.profile, requireEab: v.requireEab });
    await appendAudit(tx, actor, { action: "acme.policy-change", targetType: "issuer", targetId: issuer.id, before: before ? shown(toView(before)) : null, after: shown(view) });
    return view;
  });
}
