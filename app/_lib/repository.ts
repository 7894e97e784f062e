import "server-only";
import { InputError } from "@/lib/pki/errors";
import type { RepositoryDocument } from "@/lib/repository/documents";

/**
 * Serves a repository document: public, read-only, no session lookup, 304 when the
 * client's ETag matches, 404 JSON for an unknown issuer.
 */
export async function serveDocument(req: Request, load: () => Promise<RepositoryDocument>): Promise<Response> {
  try {
    const doc = await load();
    const headers = { ETag: doc.etag, "Cache-Control": doc.cacheControl, "Access-Control-Allow-Origin": "*" };
    if (req.headers.get("if-none-match") === doc.etag) return new Response(null, { status: 304, headers });
    return new Response(Buffer.from(doc.body), { headers: { ...headers, "Content-Type": doc.contentType, "Content-Length": String(doc.body.length) } });
  } catch (err) {
    if (err instanceof InputError) return Response.json({ error: err.message, field: err.field }, { status: err.status, headers: { "Cache-Control": "no-store" } });
    throw err;
  }
}
