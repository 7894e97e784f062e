import type { IncomingMessage } from "node:http";

/**
 * Facts only server.ts knows, handed to Next as request headers. Any copy a client sent
 * is replaced first, so pages may trust them; nothing else sets them.
 */
export const CLIENT_ADDRESS_HEADER = "x-rootline-client-address";
export const REQUEST_PATH_HEADER = "x-rootline-request-path";

/**
 * The client's address: the TCP peer, or — behind a reverse proxy the operator vouches for
 * (ROOTLINE_TRUST_PROXY=1) — the right-most X-Forwarded-For entry, the one that proxy
 * appended. Entries left of it are whatever the client wrote.
 */
export function clientAddress(req: IncomingMessage, trustProxy = process.env.ROOTLINE_TRUST_PROXY === "1"): string {
  if (trustProxy) {
    const fwd = req.headers["x-forwarded-for"];
    const last = (Array.isArray(fwd) ? fwd.join(",") : fwd ?? "").split(",").map((s) => s.trim()).filter(Boolean).pop();
    if (last) return last;
  }
  return req.socket.remoteAddress ?? "unknown";
}

/** The path and query the browser asked for, without Next's `_rsc` cache-buster. */
function requestedPath(url: string): string {
  const q = url.indexOf("?");
  if (q < 0 || !url.includes("_rsc=", q)) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  params.delete("_rsc");
  const rest = params.toString();
  return url.slice(0, q) + (rest ? `?${rest}` : "");
}

/** Called for every request that goes on to Next. */
export function stampTrustedHeaders(req: IncomingMessage): void {
  const h = req.headers;
  h[CLIENT_ADDRESS_HEADER] = clientAddress(req);
  h[REQUEST_PATH_HEADER] = requestedPath(req.url ?? "/");
  // Headers also live in rawHeaders; drop a client's copies there too, whoever reads them.
  const raw = req.rawHeaders;
  for (let i = raw.length - 2; i >= 0; i -= 2) {
    const name = raw[i].toLowerCase();
    if (name === CLIENT_ADDRESS_HEADER || name === REQUEST_PATH_HEADER) raw.splice(i, 2);
  }
}
