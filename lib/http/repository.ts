import { InputError } from "../pki/errors";
import { caCertificate, crl, issuerList, revocationInfoDer, revocationInfoJson, type RepositoryDocument } from "../repository/documents";

/**
 * The device repository's URL space, in one place. Both the Next route handlers
 * (app/api/repository) and server.ts's node:http fast path answer through `repositoryReply`,
 * so the two can never disagree.
 */
const ROUTES: [RegExp, (issuer: string, url: URL) => Promise<RepositoryDocument>][] = [
  [/^\/api\/repository\/issuers$/, () => issuerList()],
  [/^\/api\/repository\/([^/]+)\/ca\.crt$/, (i, url) => caCertificate(i, url.searchParams.get("format") === "pem" ? "pem" : "der")],
  [/^\/api\/repository\/([^/]+)\/revocation-info$/, (i) => revocationInfoJson(i)],
  [/^\/api\/repository\/([^/]+)\/revocation-info\.der$/, (i) => revocationInfoDer(i)],
  [/^\/api\/repository\/([^/]+)\/crl$/, (i) => crl(i)],
];

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array | null;
}

export function isRepositoryPath(pathname: string): boolean {
  return ROUTES.some(([re]) => re.test(pathname));
}

function errorReply(status: number, error: string, field?: string): Reply {
  return { status, headers: { "Content-Type": "application/json", "Cache-Control": "no-store" }, body: Buffer.from(JSON.stringify(field ? { error, field } : { error })) };
}

/** Public and read-only: no session, 304 on a matching ETag, JSON 404 for an unknown issuer. */
export async function repositoryReply(url: URL, ifNoneMatch: string | null, head = false): Promise<Reply> {
  for (const [re, load] of ROUTES) {
    const m = re.exec(url.pathname);
    if (!m) continue;
    let issuer = "";
    try {
      issuer = m[1] ? decodeURIComponent(m[1]) : "";
    } catch {
      return errorReply(400, "the issuer name in the URL is not valid percent-encoding", "issuer");
    }
    try {
      const doc = await load(issuer, url);
      const headers = { ETag: doc.etag, "Cache-Control": doc.cacheControl, "Access-Control-Allow-Origin": "*" };
      if (ifNoneMatch === doc.etag) return { status: 304, headers, body: null };
      return { status: 200, headers: { ...headers, "Content-Type": doc.contentType, "Content-Length": String(doc.body.length) }, body: head ? null : doc.body };
    } catch (err) {
      if (err instanceof InputError) return errorReply(err.status, err.message, err.field);
      throw err;
    }
  }
  return errorReply(404, "no such repository document");
}

/** The Web-Response form, for the Next route handlers. */
export async function repositoryResponse(req: Request): Promise<Response> {
  const r = await repositoryReply(new URL(req.url), req.headers.get("if-none-match"), req.method === "HEAD");
  return new Response(r.body ? Buffer.from(r.body) : null, { status: r.status, headers: r.headers });
}
