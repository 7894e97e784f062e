import { InputError } from "../errors";

/**
 * The public base URL of an issuer's repository, from which certificates it signs point at
 * its CRL (cRLDistributionPoints) and its certificate (authorityInfoAccess caIssuers), at
 * the repository's real paths (app/api/repository/[issuer]/crl and …/ca.crt). Unset: no
 * pointers at all, so nothing in a certificate dangles.
 */

const REPOSITORY_PATH = "/api/repository";

/** Normalises an operator's URL: http(s), no query or fragment, no trailing slash; "" → null. */
export function parsePublicUrl(input: unknown, field = "publicUrl"): string | null {
  if (input === undefined || input === null) return null;
  const s = String(input).trim();
  if (!s) return null;
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    throw new InputError(field, `"${s}" is not a URL; give the address devices reach the repository at, e.g. https://pki.example.com`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new InputError(field, "the public URL must start with http:// or https://");
  if (url.search || url.hash || url.username || url.password) throw new InputError(field, "the public URL must not carry a query, fragment or credentials");
  const out = url.toString().replace(/\/+$/, "");
  if (out.length > 200) throw new InputError(field, "the public URL is longer than 200 characters");
  return out;
}

/** The repository's base under the public URL: the URL itself when it already ends in /api/repository. */
export function repositoryBase(publicUrl: string): string {
  return publicUrl.endsWith(REPOSITORY_PATH) ? publicUrl : publicUrl + REPOSITORY_PATH;
}

export interface CertificatePointers {
  crlDistributionPoints?: string[];
  caIssuersUrl?: string;
}

/** CDP = {base}/{issuer}/crl, AIA caIssuers = {base}/{issuer}/ca.crt (DER), for what `issuerName` signs. */
export function pointersFor(issuerName: string, publicUrl: string | null | undefined): CertificatePointers {
  if (!publicUrl) return {};
  const base = `${repositoryBase(publicUrl)}/${encodeURIComponent(issuerName)}`;
  return { crlDistributionPoints: [`${base}/crl`], caIssuersUrl: `${base}/ca.crt` };
}
