/**
 * EXPERIMENT, bench only: the same lib/ code as the Next routes, behind a plain node:http
 * server instead of Next's request pipeline — what a custom server (or a dedicated listener
 * like lib/repository/tlsService) would give for the hot endpoints. Not a product server:
 * it implements only
 *   GET  /api/repository/{issuer}/revocation-info   (lib/repository/documents, as serveDocument does)
 *   POST /api/v1/certificates                       (authenticateBearer → requestFromCsr → issueCertificate)
 * Started by issuance.ts / repository.ts as a child: `tsx bench/leanServer.ts`, with
 * ROOTLINE_DATA_DIR set; prints "listening <port>".
 */
import http from "node:http";
import { authenticateBearer } from "../lib/auth/apiTokens";
import { issueCertificate, requestFromCsr } from "../lib/certificates";
import { InputError } from "../lib/pki/errors";
import { pemEncode } from "../lib/pki/pem";
import { revocationInfoJson } from "../lib/repository/documents";
import { certificateJson } from "../app/api/v1/certificates/serialize";

const MAX_BODY = 256 * 1024;

/**
 * BENCH_LEAN_TOKEN_CACHE_MS=<ms> (one-off experiments only): remember successful bearer-token
 * lookups that long, to measure what the per-request token query costs.
 */
const TOKEN_CACHE_MS = Number(process.env.BENCH_LEAN_TOKEN_CACHE_MS ?? 0);
const tokenCache = new Map<string, { at: number; auth: Awaited<ReturnType<typeof authenticateBearer>> }>();
async function authenticate(header: string | null) {
  if (!TOKEN_CACHE_MS || !header) return authenticateBearer(header);
  const hit = tokenCache.get(header);
  if (hit && Date.now() - hit.at < TOKEN_CACHE_MS) return hit.auth;
  const auth = await authenticateBearer(header);
  if (auth.ok) tokenCache.set(header, { at: Date.now(), auth });
  return auth;
}
const INFO = /^\/api\/repository\/([^/]+)\/revocation-info$/;

function send(res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}) {
  res.writeHead(status, { "Content-Type": "application/json", "Cache-Control": "no-store", ...headers });
  res.end(body);
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY) throw new InputError("body", "the request body is too large", 413);
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
  const url = req.url ?? "/";
  const info = req.method === "GET" ? INFO.exec(url) : null;
  if (info) {
    const doc = await revocationInfoJson(decodeURIComponent(info[1]));
    const headers = { ETag: doc.etag, "Cache-Control": doc.cacheControl, "Access-Control-Allow-Origin": "*" };
    if (req.headers["if-none-match"] === doc.etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, "Content-Type": doc.contentType, "Content-Length": String(doc.body.length) });
    res.end(doc.body);
    return;
  }
  if (req.method === "POST" && url === "/api/v1/certificates") {
    const auth = await authenticate(req.headers.authorization ?? null);
    if (!auth.ok) return send(res, 401, JSON.stringify({ error: auth.message }));
    const body = JSON.parse(await readBody(req)) as { issuer?: unknown; csr?: unknown };
    if (typeof body.issuer !== "string" || typeof body.csr !== "string") return send(res, 400, JSON.stringify({ error: "issuer and csr are required" }));
    const cert = await issueCertificate(auth.actor, body.issuer, await requestFromCsr({ csr: body.csr }));
    return send(res, 201, JSON.stringify({ ...certificateJson(cert, cert.issuerName), pem: pemEncode("CERTIFICATE", cert.der) }));
  }
  send(res, 404, JSON.stringify({ error: "not found" }));
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((err) => {
    if (err instanceof InputError) send(res, err.status, JSON.stringify({ error: err.message, field: err.field }));
    else {
      console.error(err);
      send(res, 500, JSON.stringify({ error: "internal error" }));
    }
  });
});
server.keepAliveTimeout = 5000;
server.listen(0, "127.0.0.1", () => console.log(`listening ${(server.address() as { port: number }).port}`));
