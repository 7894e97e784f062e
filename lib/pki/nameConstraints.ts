import { InputError } from "../errors";
import { Der, DerError, TAG, ctx, ctxPrim, readTlv, seq, tlv, tlvOf } from "./der";
import { formatIpBytes, ipToBytes, validateDnsName, validateIp, type San } from "./san";

/**
 * Name constraints of an intermediate CA (RFC 5280 §4.2.1.10): permitted DNS suffixes and
 * IP ranges. What Rootline writes, how it reads any CA's constraints back, and the check
 * issuance runs before signing, so a name outside them is refused with a field-named error
 * rather than signed into a certificate every verifier then rejects.
 */

/** What an operator permits: DNS suffixes ("example.com" = it and below; ".example.com" = below only) and CIDRs. */
export interface PermittedNames {
  dns: string[];
  ip: string[];
}

interface Cidr {
  addr: Buffer;
  mask: Buffer;
}

/** A CA certificate's constraints as decoded; an empty list of a type constrains nothing of that type. */
export interface DecodedNameConstraints {
  permittedDns: string[];
  excludedDns: string[];
  permittedIp: Cidr[];
  excludedIp: Cidr[];
}

const split = (v: string | readonly string[] | undefined): string[] =>
  (typeof v === "string" ? v.split(/[\s,]+/) : [...(v ?? [])]).map((s) => String(s).trim()).filter(Boolean);

function parseSuffix(s: string): string {
  const dot = s.startsWith(".");
  const name = validateDnsName(dot ? s.slice(1) : s, "permittedDns");
  if (name.startsWith("*")) throw new InputError("permittedDns", `"${s}": a permitted DNS suffix has no wildcard ("example.com" already covers every name below it)`);
  return dot ? "." + name : name;
}

function parseCidr(s: string, field = "permittedIp"): Cidr {
  const [a, len, extra] = s.split("/");
  if (extra !== undefined) throw new InputError(field, `"${s}" is not an address range (write 10.0.0.0/8 or 2001:db8::/32)`);
  const addr = ipToBytes(validateIp(a, field));
  const bits = addr.length * 8;
  const prefix = len === undefined ? bits : /^\d{1,3}$/.test(len) ? Number(len) : NaN;
  if (!(prefix >= 0 && prefix <= bits)) throw new InputError(field, `"${s}": the prefix length must be a number from 0 to ${bits}`);
  const mask = Buffer.alloc(addr.length);
  for (let i = 0; i < prefix; i++) mask[i >> 3] |= 0x80 >> (i & 7);
  if (addr.some((b, i) => (b & ~mask[i]) !== 0)) {
    const base = Buffer.from(addr.map((b, i) => b & mask[i]));
    throw new InputError(field, `"${s}" has bits set after the prefix; did you mean ${formatIpBytes(base)}/${prefix}?`);
  }
  return { addr, mask };
}

const prefixOf = (mask: Buffer) => mask.reduce((n, b) => n + (b.toString(2).match(/1/g)?.length ?? 0), 0);
export const formatCidr = (c: Cidr) => `${formatIpBytes(c.addr)}/${prefixOf(c.mask)}`;

/** Validates and normalises what a form, the CLI or the database gives; duplicates removed. */
export function parsePermittedNames(input: { dns?: string | readonly string[]; ip?: string | readonly string[] }): PermittedNames {
  const dns = [...new Set(split(input.dns).map(parseSuffix))];
  const ip = [...new Set(split(input.ip).map((s) => formatCidr(parseCidr(s))))];
  return { dns, ip };
}

export const hasConstraints = (p: PermittedNames) => p.dns.length > 0 || p.ip.length > 0;

// ---------------------------------------------------------------- encoding

const dnsName = (s: string) => tlv(ctxPrim(2), Buffer.from(s, "latin1"));
const ipRange = (c: Cidr) => tlv(ctxPrim(7), Buffer.concat([c.addr, c.mask]));
const ALL_IPV4 = { addr: Buffer.alloc(4), mask: Buffer.alloc(4) };
const ALL_IPV6 = { addr: Buffer.alloc(16), mask: Buffer.alloc(16) };

/**
 * NameConstraints DER. A type the operator did not permit is excluded entirely (all IPv4
 * and IPv6, or every DNS name via the empty suffix): RFC 5280 leaves a type absent from
 * permittedSubtrees unconstrained, so "only *.example.com" would otherwise still allow
 * any IP address (the CA/Browser Forum's technically-constrained CAs do the same).
 */
export function nameConstraintsValue(p: PermittedNames): Buffer {
  const permitted = [...p.dns.map(dnsName), ...p.ip.map((s) => ipRange(parseCidr(s)))];
  const excluded = [...(p.dns.length ? [] : [dnsName("")]), ...(p.ip.length ? [] : [ipRange(ALL_IPV4), ipRange(ALL_IPV6)])];
  const subtrees = (tag: number, names: Buffer[]) => (names.length ? [tlvOf(ctx(tag), names.map((n) => seq(n)))] : []);
  return seq(...subtrees(0, permitted), ...subtrees(1, excluded));
}

export function decodeNameConstraints(value: Uint8Array): DecodedNameConstraints {
  const out: DecodedNameConstraints = { permittedDns: [], excludedDns: [], permittedIp: [], excludedIp: [] };
  const top = readTlv(value, 0, value.length);
  if (top.end !== value.length) throw new DerError("nameConstraints: trailing bytes");
  for (const part of top.expect(TAG.SEQUENCE, "nameConstraints").children()) {
    if (part.tag !== ctx(0) && part.tag !== ctx(1)) throw new DerError("nameConstraints: unexpected element");
    const permitted = part.tag === ctx(0);
    for (const subtree of part.children()) {
      const base: Der = subtree.expect(TAG.SEQUENCE, "GeneralSubtree").children()[0];
      if (base?.tag === ctxPrim(2)) (permitted ? out.permittedDns : out.excludedDns).push(Buffer.from(base.content).toString("latin1").toLowerCase());
      else if (base?.tag === ctxPrim(7)) {
        if (base.length !== 8 && base.length !== 32) throw new DerError("nameConstraints: an IP range has 8 or 32 bytes");
        const half = base.length / 2;
        const c = { addr: Buffer.from(base.content.subarray(0, half)), mask: Buffer.from(base.content.subarray(half)) };
        (permitted ? out.permittedIp : out.excludedIp).push(c);
      }
      // Other name types (directoryName, email, URI) are not names Rootline issues.
    }
  }
  return out;
}

/** Display text in OpenSSL's style: "permitted DNS:example.com, IP:10.0.0.0/8; excluded …". */
export function nameConstraintsText(d: DecodedNameConstraints): string {
  const part = (label: string, dns: string[], ip: Cidr[]) => {
    const names = [...dns.map((n) => `DNS:${n || "(all)"}`), ...ip.map((c) => `IP:${formatCidr(c)}`)];
    return names.length ? `${label} ${names.join(", ")}` : "";
  };
  return [part("permitted", d.permittedDns, d.permittedIp), part("excluded", d.excludedDns, d.excludedIp)].filter(Boolean).join("; ");
}

// ---------------------------------------------------------------- matching

/** RFC 5280 dNSName matching as OpenSSL does it: "" matches all; ".x" subdomains only; "x" itself and below. */
function dnsMatches(constraint: string, name: string): boolean {
  const n = name.toLowerCase();
  if (constraint === "") return true;
  if (constraint.startsWith(".")) return n.endsWith(constraint);
  return n === constraint || n.endsWith("." + constraint);
}

function ipMatches(c: Cidr, addr: Buffer): boolean {
  return addr.length === c.addr.length && addr.every((b, i) => (b & c.mask[i]) === (c.addr[i] & c.mask[i]));
}

/** OpenSSL also constrains a CN that looks like a host name when no DNS SAN is present. */
const HOSTNAME_LIKE = /^[A-Za-z0-9*-]+(\.[A-Za-z0-9-]+)+$/;

/**
 * Refuses a certificate whose names fall outside its CA's constraints: each DNS and IP
 * SAN, and a host-name-like CN when there is no DNS SAN (what OpenSSL checks too).
 */
export function checkNamesAllowed(nc: DecodedNameConstraints, sans: readonly San[], commonName: string | null, caName: string): void {
  const dnsOk = (n: string) => (!nc.permittedDns.length || nc.permittedDns.some((c) => dnsMatches(c, n))) && !nc.excludedDns.some((c) => dnsMatches(c, n));
  const allowedText = nameConstraintsText(nc);
  for (const s of sans) {
    if (s.type === "dns" && !dnsOk(s.value)) throw new InputError("san", `DNS:${s.value} is outside the names the CA "${caName}" may certify (${allowedText})`);
    if (s.type === "ip") {
      const a = ipToBytes(s.value);
      const ok = (!nc.permittedIp.length || nc.permittedIp.some((c) => ipMatches(c, a))) && !nc.excludedIp.some((c) => ipMatches(c, a));
      if (!ok) throw new InputError("san", `IP:${s.value} is outside the names the CA "${caName}" may certify (${allowedText})`);
    }
  }
  if (commonName && !sans.some((s) => s.type === "dns") && HOSTNAME_LIKE.test(commonName) && !dnsOk(commonName)) {
    throw new InputError("subject.CN", `the common name "${commonName}" is outside the names the CA "${caName}" may certify (${allowedText})`);
  }
}

/**
 * A sub-CA may only narrow its parent's constraints. A parent without constraints allows
 * anything; a constrained parent's child gets the parent's names when it names none.
 */
export function narrowWithin(child: PermittedNames, parent: DecodedNameConstraints | null): PermittedNames {
  if (!parent) return child;
  const parentDns = parent.permittedDns;
  const parentIp = parent.permittedIp.map(formatCidr);
  if (!hasConstraints(child)) {
    return { dns: parentDns, ip: parentIp };
  }
  const allDnsExcluded = parent.excludedDns.includes("");
  for (const d of child.dns) {
    // ".x.com" permits only names below x.com: test with one label added.
    const probe = d.startsWith(".") ? "a" + d : d;
    const inside = (!parentDns.length && !allDnsExcluded) || parentDns.some((c) => dnsMatches(c, probe) && (!c.startsWith(".") || d.endsWith(c)));
    if (!inside || parent.excludedDns.some((c) => c !== "" && dnsMatches(c, probe))) {
      throw new InputError("permittedDns", `"${d}" is outside the parent CA's permitted names (${nameConstraintsText(parent) || "none"})`);
    }
  }
  for (const s of child.ip) {
    const c = parseCidr(s);
    const within = (p: Cidr) => p.addr.length === c.addr.length && prefixOf(c.mask) >= prefixOf(p.mask) && ipMatches(p, c.addr);
    const allIpExcluded = parent.excludedIp.some((e) => prefixOf(e.mask) === 0 && e.addr.length === c.addr.length);
    const inside = parent.permittedIp.length ? parent.permittedIp.some(within) : !allIpExcluded;
    if (!inside) throw new InputError("permittedIp", `${s} is outside the parent CA's permitted ranges (${nameConstraintsText(parent) || "none"})`);
  }
  // A type the child leaves open stays as closed as the parent had it.
  return {
    dns: child.dns.length ? child.dns : parentDns,
    ip: child.ip.length ? child.ip : parentIp,
  };
}
