import crypto from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * Security headers for every response, set in one place (server.ts, before dispatch) so
 * the fast path and Next's pages carry the same ones. Next adds the nonce it finds in the
 * request's Content-Security-Policy header to its own inline scripts, so pages need no
 * 'unsafe-inline' for scripts; styles keep it (React style attributes, the topology canvas).
 */
export interface SecurityHeaderOptions {
  /** Next's development server evaluates code (React refresh): allow eval there only. */
  dev?: boolean;
  /** HSTS is sent only when the app is served over HTTPS (ROOTLINE_SECURE_COOKIES=1). */
  https?: boolean;
}

/** JSON/DER answers: nothing to load, nothing to frame. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export function pageCsp(nonce: string, dev = false): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

export function securityHeaders(opts: SecurityHeaderOptions = {}): (req: IncomingMessage, res: ServerResponse) => void {
  const common: [string, string][] = [
    ["X-Content-Type-Options", "nosniff"],
    ["Referrer-Policy", "same-origin"],
  ];
  if (opts.https ?? process.env.ROOTLINE_SECURE_COOKIES === "1") common.push(["Strict-Transport-Security", "max-age=31536000"]);
  // The API's hot path gets the short list (each header costs a validation per response).
  const api: [string, string][] = [...common, ["Content-Security-Policy", API_CSP]];
  // For browsers that predate CSP's frame-ancestors.
  const page: [string, string][] = [...common, ["X-Frame-Options", "DENY"]];
  return (req, res) => {
    if ((req.url ?? "/").startsWith("/api/")) {
      for (const [k, v] of api) res.setHeader(k, v);
      return;
    }
    for (const [k, v] of page) res.setHeader(k, v);
    const csp = pageCsp(crypto.randomBytes(16).toString("base64"), opts.dev);
    res.setHeader("Content-Security-Policy", csp);
    // Where Next reads the nonce from; it replaces whatever the client sent.
    req.headers["content-security-policy"] = csp;
    delete req.headers["content-security-policy-report-only"];
  };
}
