import { errorReply, InputError, NotFoundError } from "../errors";
import { caCertificate, crl, issuerList, revocationInfoDer, revocationInfoJson, type RepositoryDocument } from "../repository/documents";

/**
 * The device repository's URL space, in one place. Both the Next route handlers
 * (app/api/repository) and server.ts's node:http fast path answer through `repositoryReply`,
 * so the two can never disagree.
 */
const ROUTES: [RegExp, (issuer: string, query: URLSearchParams) => Promise<RepositoryDocument>][] = [
  [/^\/api\/repository\/issuers$/, () => issuerList()],
  [/^\/api\/repository\/([^/]+)\/ca\.crt$/, (i, q) => caCertificate(i, q.get("format") === "pem" ? "pem" : "der")],
  [/^\/api\/repository\/([^/]+)\/revocation-info$/, (i) => revocationInfoJson(i)],
  [/^\/api\/repository\/([^/]+)\/revocation-info\.der$/, (i) => revocationInfoDer(i)],
  [/^\/api\/repository\/([^/]+)\/crl$/, (i) => crl(i)],
];

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array | null;
}

/** An error through the one HTTP mapping (lib/errors.ts). */
function failure(err: unknown): Reply {
  const r = errorReply(err);
  return { status: r.status, headers: r.headers, body: Buffer.from(r.body) };
}

/**
 * Response headers per cached document, built once: the documents themselves are cached
 * objects (lib/repository/documents.ts), so a hit costs a WeakMap lookup, not a spread.
 */
const headerCache = new WeakMap<RepositoryDocument, { ok: Record<string, string>; notModified: Record<string, string> }>();

function headersOf(doc: RepositoryDocument) {
  let h = headerCache.get(doc);
  if (!h) {
    const notModified = { ETag: doc.etag, "Cache-Control": doc.cacheControl, "Access-Control-Allow-Origin": "*" };
    const ok: Record<string, string> = { ...notModified, "Content-Type": doc.contentType, "Content-Length": String(doc.body.length) };
    // Issuer names are URL-safe already; anything else becomes "_" so the header stays a token.
    if (doc.filename) ok["Content-Disposition"] = `attachment; filename="${doc.filename.replace(/[^A-Za-z0-9._-]/g, "_")}"`;
    h = { notModified, ok };
    headerCache.set(doc, h);
  }
  return h;
}

/**
 * Public and read-only: no session, 304 on a matching ETag, JSON 404 for an unknown
 * issuer. `target` is the request target ("/path?query"); null when it is not a
 * repository path, so callers match the URL space exactly once.
 */
export async function repositoryReply(target: string, ifNoneMatch: string | null, head = false): Promise<Reply | null> {
  const q = target.indexOf("?");
  const pathname = q < 0 ? target : target.slice(0, q);
  for (const [re, load] of ROUTES) {
    const m = re.exec(pathname);
    if (!m) continue;
    try {
      const issuer = m[1] ? decodeIssuer(m[1]) : "";
      const doc = await load(issuer, new URLSearchParams(q < 0 ? "" : target.slice(q + 1)));
      const h = headersOf(doc);
      if (ifNoneMatch === doc.etag) return { status: 304, headers: h.notModified, body: null };
      return { status: 200, headers: h.ok, body: head ? null : doc.body };
    } catch (err) {
      return failure(err);
    }
  }
  return null;
}

function decodeIssuer(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new InputError("issuer", "the issuer name in the URL is not valid percent-encoding");
  }
}

/** The Web-Response form, for the Next route handlers. */
export async function repositoryResponse(req: Request): Promise<Response> {
  const url = new URL(req.url);
  const r = (await repositoryReply(url.pathname + url.search, req.headers.get("if-none-match"), req.method === "HEAD")) ?? failure(new NotFoundError("path", "no such repository document"));
  return new Response(r.body ? Buffer.from(r.body) : null, { status: r.status, headers: r.headers });
}
