/**
 * The media type of a Content-Type header (RFC 9110 §8.3.1): `type/subtype`, lowercased,
 * parameters dropped; null when absent or malformed. A substring test would take
 * `text/plain; x=application/json` or `application/jsonp` for JSON.
 */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function mediaType(header: string | null | undefined): string | null {
  if (!header) return null;
  const semi = header.indexOf(";");
  const essence = (semi < 0 ? header : header.slice(0, semi)).trim();
  const slash = essence.indexOf("/");
  if (slash < 0) return null;
  const type = essence.slice(0, slash);
  const subtype = essence.slice(slash + 1);
  return TOKEN.test(type) && TOKEN.test(subtype) ? essence.toLowerCase() : null;
}

export function isMediaType(header: string | null | undefined, expected: string): boolean {
  return mediaType(header) === expected;
}
