import { isIP } from "node:net";
import { InputError } from "../errors";
import { ctxPrim, seq, tlv } from "./der";

/**
 * Subject alternative names Rootline issues: DNS names and IP addresses. Nothing
 * else (URI, e-mail, ...) is accepted, so every SAN in a Rootline certificate is
 * something a TLS client actually matches against.
 */
export type San = { type: "dns"; value: string } | { type: "ip"; value: string };

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Hostname in preferred name syntax (RFC 1034 §3.5 / RFC 5280 §4.2.1.6), lower-cased:
 * labels of 1–63 letters, digits and hyphens, no hyphen at either end, at most 253
 * characters, no trailing dot, ASCII only (IDNs as A-labels "xn--..."). A wildcard is
 * allowed only as the whole leftmost label and needs two labels after it
 * ("*.example.com", not "*.com" or "a*.example.com").
 */
export function validateDnsName(name: string, field = "san"): string {
  const n = name.trim().toLowerCase();
  if (n === "") throw new InputError(field, "a DNS name must not be empty");
  if (n.length > 253) throw new InputError(field, `DNS name "${n.slice(0, 40)}…" is longer than 253 characters`);
  if (n.endsWith(".")) throw new InputError(field, `DNS name "${n}" must not end with a dot`);
  if (isIP(n)) throw new InputError(field, `"${n}" is an IP address; write it as IP:${n}`);
  const labels = n.split(".");
  let rest = labels;
  if (labels[0] === "*") {
    rest = labels.slice(1);
    if (rest.length < 2) throw new InputError(field, `wildcard DNS name "${n}" needs at least two labels after "*."`);
  }
  for (const l of rest) {
    if (!LABEL.test(l)) {
      const why = l === "" ? "has an empty label" : l.includes("*") ? 'may use "*" only as the whole leftmost label' : l.length > 63 ? "has a label longer than 63 characters" : /^-|-$/.test(l) ? "has a label that starts or ends with a hyphen" : "may contain only letters, digits, hyphens and dots";
      throw new InputError(field, `DNS name "${n}" ${why}`);
    }
  }
  return n;
}

/** An IPv4 or IPv6 address (no zone id, no prefix); returned in canonical form. */
export function validateIp(addr: string, field = "san"): string {
  const a = addr.trim();
  const v = isIP(a);
  if (v === 0 || a.includes("%")) throw new InputError(field, `"${a}" is not an IPv4 or IPv6 address`);
  return formatIpBytes(ipToBytes(a));
}

/** Parses one "DNS:name" or "IP:address" (type prefix case-insensitive). */
export function parseSan(s: string, field = "san"): San {
  if (typeof s !== "string") throw new InputError(field, "a SAN must be text");
  const t = s.trim();
  const colon = t.indexOf(":");
  if (colon < 0) throw new InputError(field, `"${t}" must start with DNS: or IP:`);
  const kind = t.slice(0, colon).trim().toUpperCase();
  const value = t.slice(colon + 1);
  if (kind === "DNS") return { type: "dns", value: validateDnsName(value, field) };
  if (kind === "IP") return { type: "ip", value: validateIp(value, field) };
  throw new InputError(field, `SAN type "${t.slice(0, colon)}" is not supported; use DNS: or IP:`);
}

/**
 * Parses a list: an array of entries, or one string with entries separated by commas
 * or newlines. Duplicates (after normalisation) are an error: they mean a typo.
 */
export function parseSans(input: string | readonly string[], field = "san"): San[] {
  const items = typeof input === "string" ? input.split(/[,\n]/).filter((x) => x.trim() !== "") : input;
  const out: San[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    const san = parseSan(item, field);
    const key = formatSan(san);
    if (seen.has(key)) throw new InputError(field, `${key} is listed twice`);
    seen.add(key);
    out.push(san);
  }
  return out;
}

export function formatSan(san: San): string {
  return san.type === "dns" ? `DNS:${san.value}` : `IP:${san.value}`;
}

export function formatSans(sans: readonly San[]): string {
  return sans.map(formatSan).join(", ");
}

// ---------------------------------------------------------------- IP bytes

/** 4 or 16 bytes for a valid address (caller validated with isIP). */
export function ipToBytes(a: string): Buffer {
  if (isIP(a) === 4) return Buffer.from(a.split(".").map(Number));
  let head = a;
  let tail4: number[] = [];
  const lastColon = a.lastIndexOf(":");
  if (a.slice(lastColon + 1).includes(".")) {
    // embedded IPv4 ("::ffff:192.0.2.1"): its 4 bytes are the last two groups
    tail4 = a.slice(lastColon + 1).split(".").map(Number);
    head = a.slice(0, lastColon + 1) + "0:0";
  }
  const [left, right] = head.includes("::") ? head.split("::") : [head, undefined];
  const l = left ? left.split(":") : [];
  const r = right !== undefined && right !== "" ? right.split(":") : [];
  const groups = right === undefined ? l : [...l, ...Array(8 - l.length - r.length).fill("0"), ...r];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), 2 * i));
  if (tail4.length) out.set(tail4, 12);
  return out;
}

/** Canonical text of 4 or 16 address bytes (RFC 5952 for IPv6). */
export function formatIpBytes(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join(".");
  if (b.length !== 16) throw new Error(`an IP address has 4 or 16 bytes, not ${b.length}`);
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i] << 8) | b[i + 1]);
  // longest run of ≥2 zero groups, first one on ties, becomes "::"
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLen).join(":")}`;
}

// ---------------------------------------------------------------- DER

/** GeneralNames for the subjectAltName extension value. */
export function encodeSans(sans: readonly San[]): Buffer {
  return seq(
    ...sans.map((s) =>
      s.type === "dns"
        ? // dNSName [2] IMPLICIT IA5String
          tlv(ctxPrim(2), Buffer.from(s.value, "latin1"))
        : // iPAddress [7] IMPLICIT OCTET STRING
          tlv(ctxPrim(7), ipToBytes(s.value)),
    ),
  );
}
