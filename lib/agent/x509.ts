/** Small X.509 checks an agent makes with node:crypto (signature, names, validity, keys). */
import { X509Certificate, type KeyObject } from "node:crypto";

/**
 * Parsed certificates by PEM text. An agent checks every handshake's peer against the same
 * few held roots; parsing them each time was its largest CPU cost in the 1,000-node bench.
 * X509Certificate objects are immutable, so sharing them is safe. Bounded: a store holds a
 * handful of roots and certificates per group, and old ones drop out first.
 */
const parsed = new Map<string, X509Certificate>();
const PARSED_MAX = 256;

export function cert(pem: string): X509Certificate {
  const hit = parsed.get(pem);
  if (hit) return hit;
  const c = new X509Certificate(pem);
  if (parsed.size >= PARSED_MAX) parsed.delete(parsed.keys().next().value!);
  parsed.set(pem, c);
  return c;
}

/** SubjectPublicKeyInfo DER of a key, for comparing keys. */
export function spkiOf(key: KeyObject): Buffer {
  return key.export({ format: "der", type: "spki" }) as Buffer;
}

export function sameKey(a: KeyObject, b: KeyObject): boolean {
  return spkiOf(a).equals(spkiOf(b));
}

/** `child` names `issuer` as its issuer and carries a signature made with its key. */
export function issuedBy(child: X509Certificate, issuer: X509Certificate): boolean {
  return child.checkIssued(issuer) && child.verify(issuer.publicKey);
}

export function selfSigned(c: X509Certificate): boolean {
  return issuedBy(c, c);
}

export function currentlyValid(c: X509Certificate, now = Date.now()): boolean {
  return Date.parse(c.validFrom) <= now && now <= Date.parse(c.validTo);
}

/** The first held certificate that issued `child`, or undefined. */
export function issuerAmong(child: X509Certificate, held: readonly string[]): X509Certificate | undefined {
  for (const pem of held) {
    const c = cert(pem);
    if (issuedBy(child, c)) return c;
  }
  return undefined;
}

/** The subject's CN (the node id on agent certificates). */
export function commonName(subject: string | undefined): string | undefined {
  if (!subject) return undefined;
  for (const line of subject.split("\n")) if (line.startsWith("CN=")) return line.slice(3);
  return undefined;
}
