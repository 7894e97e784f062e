import { InputError } from "../errors";

/**
 * The public base URL of an issuer's repository, from which certificates it signs point at
 * its CRL (cRLDistributionPoints), its certificate (authorityInfoAccess caIssuers) and its
 * OCSP responder (authorityInfoAccess ocsp), at the real paths (app/api/repository/[issuer]/crl,
 * …/ca.crt, /ocsp/{issuer}). Unset: no pointers at all, so nothing in a certificate dangles.
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

/** The site under the public URL: the URL without a trailing /api/repository. */
function siteBase(publicUrl: string): string {
  return publicUrl.endsWith(REPOSITORY_PATH) ? publicUrl.slice(0, -REPOSITORY_PATH.length) : publicUrl;
}

export interface CertificatePointers {
  crlDistributionPoints?: string[];
  caIssuersUrl?: string;
  ocspUrl?: string;
}

/**
 * CDP = {base}/{issuer}/crl, AIA caIssuers = {base}/{issuer}/ca.crt (DER) and AIA ocsp =
 * {site}/ocsp/{issuer} (lib/ocsp, RFC 6960), for what `issuerName` signs. The scheme is the
 * public URL's as given: OCSP over plain HTTP is usual, https works for clients that allow it.
 */
export function pointersFor(issuerName: string, publicUrl: string | null | undefined): CertificatePointers {
  if (!publicUrl) return {};
  const name = encodeURIComponent(issuerName);
  const base = `${repositoryBase(publicUrl)}/${name}`;
  return { crlDistributionPoints: [`${base}/crl`], caIssuersUrl: `${base}/ca.crt`, ocspUrl: `${siteBase(publicUrl)}/ocsp/${name}` };
}
