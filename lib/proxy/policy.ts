import net from "node:net";
import { z } from "zod";
import { InputError } from "../errors";
import { formatPath } from "../rotation/validate";

/**
 * The proxy's answer policy (issue 11): per client (certificate subject/SAN, source
 * address) and per route, whether the proxy answers on the client's behalf. First
 * matching rule wins; no match → `default`. Pure: the process decides what "deny" does.
 *
 * A rule without any matcher is allowed and matches everything: the Contract makes each
 * matcher optional, and `{"answer":"deny"}` as the last rule is the natural way to write
 * "everything else". Empty strings are refused, so a matcher left blank in an editor
 * cannot silently become a catch-all.
 */

export type Answer = "allow" | "deny";
export interface PolicyRule {
  subject?: string;
  source?: string;
  route?: string;
  answer: Answer;
}
export interface Policy {
  default: Answer;
  rules: PolicyRule[];
}

export const ALLOW_ALL: Policy = Object.freeze({ default: "allow", rules: [] }) as Policy;

const answer = z.enum(["allow", "deny"], { error: 'must be "allow" or "deny"' });
const matcher = (what: string) => z.string({ error: `${what} must be a string` }).trim().min(1, `${what} must not be empty`).max(1024, `${what} is too long`);
const ruleSchema = z.strictObject(
  {
    subject: matcher("subject").optional(),
    source: matcher("source")
      .refine((s) => parseSource(s) !== null, "must be an IP address or CIDR (e.g. 10.0.0.0/8, 2001:db8::/32)")
      .optional(),
    route: matcher("route").optional(),
    answer,
  },
  { error: 'a rule is an object {"subject"?, "source"?, "route"?, "answer"}' },
);
const policySchema = z.strictObject(
  { default: answer, rules: z.array(ruleSchema, { error: "rules must be an array" }).max(10_000, "at most 10000 rules") },
  { error: 'a policy is an object {"default": "allow"|"deny", "rules": [...]}' },
);

/** JSON text or an already parsed value → Policy, or an InputError naming e.g. `policy.rules[2].source`. */
export function parsePolicy(input: string | unknown, field = "policy"): Policy {
  let value = input;
  if (typeof input === "string") {
    try {
      value = JSON.parse(input);
    } catch (e) {
      throw new InputError(field, `not valid JSON: ${(e as Error).message}`);
    }
  }
  const r = policySchema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  // An unknown key is reported at the key itself, so the message points at the typo.
  const path = issue.code === "unrecognized_keys" ? [...issue.path, issue.keys[0]] : issue.path;
  const at = formatPath(path);
  const message = issue.code === "unrecognized_keys" ? `unknown key "${issue.keys[0]}"` : issue.message;
  throw new InputError(at ? `${field}${at.startsWith("[") ? "" : "."}${at}` : field, message);
}

// ---------------------------------------------------------------- matching

export interface PolicySubjectInput {
  /** The client certificate's subject DN as lib/pki prints it; null: no client certificate. */
  subject: string | null;
  /** Its CN; derived from `subject` when omitted. */
  commonName?: string | null;
  /** SAN values (DNS names, IP addresses). */
  sans: string[];
  /** The client's address (socket.remoteAddress; IPv4-mapped IPv6 is fine). */
  source: string;
  route: string;
}

export function decidePolicy(p: Policy, c: PolicySubjectInput): { answer: Answer; rule: number | null } {
  const source = normaliseIp(c.source);
  for (let i = 0; i < p.rules.length; i++) {
    const r = p.rules[i];
    if (r.route !== undefined && r.route !== c.route) continue;
    if (r.source !== undefined && (source === null || !sourceMatches(r.source, source))) continue;
    if (r.subject !== undefined && !subjectMatches(r.subject, c)) continue;
    return { answer: r.answer, rule: i };
  }
  return { answer: p.default, rule: null };
}

type Ip = { address: string; family: "ipv4" | "ipv6" };

/**
 * Canonical form: IPv6 compressed lower-case (WHATWG's serialiser), IPv4-mapped IPv6
 * folded to IPv4, since a dual-stack listener reports IPv4 clients as ::ffff:a.b.c.d.
 */
export function normaliseIp(s: string): Ip | null {
  const bare = s.replace(/%.*$/, ""); // a zone index names an interface, not an address
  const v = net.isIP(bare);
  if (v === 4) return { address: bare, family: "ipv4" }; // net.isIP refuses leading zeros: already canonical
  if (v !== 6) return null;
  const host = new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  const m = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (!m) return { address: host, family: "ipv6" };
  const hi = parseInt(m[1], 16);
  const lo = parseInt(m[2], 16);
  return { address: `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, family: "ipv4" };
}

function parseSource(s: string): { ip: Ip; prefix: number | null } | null {
  const [addr, prefixText, extra] = s.trim().split("/");
  if (extra !== undefined) return null;
  const raw = net.isIP(addr);
  const ip = normaliseIp(addr);
  if (!ip || addr.includes("%")) return null;
  if (prefixText === undefined) return { ip, prefix: null };
  if (!/^\d{1,3}$/.test(prefixText)) return null;
  let prefix = Number(prefixText);
  if (prefix > (raw === 4 ? 32 : 128)) return null;
  if (raw === 6 && ip.family === "ipv4") {
    // ::ffff:10.0.0.0/104 is 10.0.0.0/8; a shorter prefix spans beyond the mapped range.
    if (prefix < 96) return null;
    prefix -= 96;
  }
  return { ip, prefix };
}

// Compiled once per source text; Policy stays plain data (JSON in, JSON out).
const bySource = new Map<string, { list: net.BlockList; family: Ip["family"] }>();

function sourceMatches(source: string, client: Ip): boolean {
  let b = bySource.get(source);
  if (!b) {
    const p = parseSource(source);
    if (!p) throw new InputError("policy", `source ${JSON.stringify(source)} is not an IP address or CIDR`);
    const list = new net.BlockList();
    if (p.prefix === null) list.addAddress(p.ip.address, p.ip.family);
    else list.addSubnet(p.ip.address, p.prefix, p.ip.family);
    if (bySource.size > 10_000) bySource.clear(); // policies are small; bound the cache anyway
    b = { list, family: p.ip.family };
    bySource.set(source, b);
  }
  // BlockList would let ::/0 match IPv4 clients (it maps them); families are kept apart
  // here, so a v6 rule means v6 clients and mapped clients are decided as IPv4.
  return b.family === client.family && b.list.check(client.address, client.family);
}

function subjectMatches(want: string, c: PolicySubjectInput): boolean {
  // A client without a certificate has no subject: a subject rule never speaks for it.
  if (c.subject === null) return false;
  const w = want.trim();
  if (w.includes("=") && dnKey(w) === dnKey(c.subject)) return true;
  const cn = c.commonName !== undefined ? c.commonName : commonNameOf(c.subject);
  if (cn !== null && cn === w) return true;
  const wantIp = normaliseIp(w);
  for (const san of c.sans) {
    if (wantIp) {
      if (normaliseIp(san)?.address === wantIp.address) return true;
    } else if (dnsMatches(w, san)) return true;
  }
  return false;
}

function dnsMatches(want: string, name: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, "");
  const w = want.toLowerCase().replace(/\.$/, "");
  if (w === n) return true;
  // "*.example.com" matches one or more labels below example.com, never example.com itself.
  return w.startsWith("*.") && n.length > w.length - 1 && n.endsWith(w.slice(1)) && !n.startsWith(".");
}

/** RDN parts split on unescaped , and +, spaces around them dropped, attribute types upper-cased. */
function dnParts(dn: string): string[] {
  const parts: string[] = [];
  let cur = "";
  for (let i = 0; i < dn.length; i++) {
    const ch = dn[i];
    if (ch === "\\" && i + 1 < dn.length) cur += ch + dn[++i];
    else if (ch === "," || ch === "+") {
      parts.push(cur);
      parts.push(ch);
      cur = "";
    } else cur += ch;
  }
  parts.push(cur);
  return parts.map((p) => {
    if (p === "," || p === "+") return p;
    const eq = p.indexOf("=");
    return eq < 0 ? p.trim() : `${p.slice(0, eq).trim().toUpperCase()}=${p.slice(eq + 1).trim()}`;
  });
}

const dnKey = (dn: string): string => dnParts(dn).join("");

/** The most specific CN (the first RDN in RFC 4514 order), unescaped. */
function commonNameOf(dn: string): string | null {
  const first = dnParts(dn)[0];
  if (!first?.startsWith("CN=")) return null;
  return first.slice(3).replace(/\\([0-9a-fA-F]{2}|.)/g, (_m, e: string) => (e.length === 2 ? String.fromCharCode(parseInt(e, 16)) : e));
}
