import { checkIdentifiers, type AcmePolicyView } from "./policy";
import { AcmeProblem } from "./problem";
import type { San } from "../pki/san";

/** An ACME identifier (RFC 8555 9.7.7: dns; RFC 8738: ip), normalised. */
export interface Identifier {
  type: "dns" | "ip";
  value: string;
}

/** newOrder's identifiers under the issuer's policy: rejectedIdentifier & co. with subproblems (policy.ts). */
export function orderIdentifiers(policy: AcmePolicyView, v: unknown): Identifier[] {
  if (!Array.isArray(v)) throw new AcmeProblem("malformed", "identifiers must be an array of {type, value}");
  const problem = checkIdentifiers(policy, v as { type: string; value: string }[]);
  if (problem) throw problem;
  const out: Identifier[] = [];
  for (const id of v as Identifier[]) {
    const n: Identifier = { type: id.type, value: id.type === "dns" ? id.value.toLowerCase() : id.value };
    if (out.some((o) => o.type === n.type && o.value === n.value)) throw new AcmeProblem("malformed", `the identifier ${n.type}:${n.value} is listed twice`);
    out.push(n);
  }
  return out;
}

export const identifierKey = (i: { type: string; value: string }) => `${i.type}:${i.value}`;

/** The same set of identifiers, order aside. */
export function sameIdentifiers(a: readonly { type: string; value: string }[], b: readonly { type: string; value: string }[]): boolean {
  const x = new Set(a.map(identifierKey));
  return x.size === b.length && a.length === b.length && b.every((i) => x.has(identifierKey(i)));
}

/** A certificate's SAN list as stored ("DNS:a, IP:1.2.3.4") as identifiers. */
export function identifiersOfSans(sans: string): Identifier[] {
  return sans
    .split(", ")
    .filter(Boolean)
    .map((s) => (s.startsWith("IP:") ? { type: "ip" as const, value: s.slice(3) } : { type: "dns" as const, value: s.slice(4) }));
}

export const sanOf = (i: Identifier): San => ({ type: i.type, value: i.value });
