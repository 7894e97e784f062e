import net from "node:net";
import type { Certificate } from "../pki/certificate";
import { ipToBytes } from "../pki/san";

/**
 * Does the certificate name this host? RFC 6125 as browsers and Go apply it:
 * - an IP address matches only an IP SAN with the same bytes (never a DNS SAN);
 * - a DNS name matches a DNS SAN case-insensitively; a wildcard only as the whole
 *   leftmost label, standing for exactly one label ("*.example.com" matches
 *   "a.example.com", not "example.com" nor "a.b.example.com");
 * - the subject's CN is never consulted (no fallback), so a certificate without SANs
 *   matches nothing.
 */
export function certificateMatchesHost(cert: Pick<Certificate, "sans">, host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, "$1");
  if (net.isIP(h)) {
    const want = ipToBytes(h.replace(/%.*$/, "")); // a zone id names the interface, not the host
    return cert.sans.some((s) => s.type === "ip" && ipToBytes(s.value).equals(want));
  }
  const name = h.toLowerCase().replace(/\.$/, "");
  if (name === "") return false;
  return cert.sans.some((s) => s.type === "dns" && dnsMatches(s.value.toLowerCase(), name));
}

function dnsMatches(pattern: string, name: string): boolean {
  if (!pattern.startsWith("*.")) return pattern === name;
  const suffix = pattern.slice(1); // ".example.com"
  if (!name.endsWith(suffix)) return false;
  const first = name.slice(0, name.length - suffix.length);
  return first.length > 0 && !first.includes(".");
}
