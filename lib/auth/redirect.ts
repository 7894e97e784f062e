/** Stands in for the app's own origin when none is given: only its sameness matters. */
const SELF = "http://rootline.invalid";

/**
 * Where to go after sign-in: a path on this site, or "/". The value is parsed the way a
 * browser resolves a Location header (WHATWG URL: backslashes become slashes, tabs and
 * newlines are dropped), so `/\evil.example`, `/\t/evil` or `https://evil` cannot leave
 * the origin; the result is re-serialised from the parsed URL, never echoed.
 */
export function safeNextPath(next: unknown, origin: string = SELF): string {
  // A repeated ?next= arrives as an array: refuse rather than guess.
  if (typeof next !== "string" || !next) return "/";
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch {
    return "/";
  }
  if (url.origin !== new URL(origin).origin) return "/";
  // "/.//evil" normalises to the path "//evil", which a browser reads as another host.
  if (url.pathname.startsWith("//")) return "/";
  return url.pathname + url.search + url.hash;
}

/** The sign-in page for someone who asked for `path`, so they land there afterwards. */
export function signInUrl(path: unknown): string {
  const next = safeNextPath(path);
  return next === "/" ? "/signin" : `/signin?next=${encodeURIComponent(next)}`;
}
