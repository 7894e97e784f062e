import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { apiRoute } from "./api";
import { issueFromCsr } from "./certificates";
import { MAX_OCSP_REQUEST_BYTES, OCSP_REQUEST_TYPE, ocspReply } from "../ocsp/http";
import { readCappedNodeBytes } from "./body";
import { HEALTH_HEADERS, healthReply } from "./health";
import { protocolContext, protocolHandler } from "./protocols";
import { repositoryReply } from "./repository";

/**
 * The hot endpoints, answered on plain node:http without Next's request pipeline
 * (which costs ~1 ms per request on this class of machine, 50× the work of serving a
 * cached repository document). The handlers are the very ones the Next route files
 * export; everything else falls through to Next.
 *
 * - GET/HEAD /api/repository/...   devices, public and cacheable
 * - GET /api/health
 * - POST /api/v1/certificates      automation, bearer token
 * - POST /api/rotation/agent        rotation-run agents' polls (JWS, node keys)
 * - GET/POST /ocsp/{issuer}…        OCSP (lib/ocsp/http.ts), public
 */
const issue = apiRoute("certificates:write", issueFromCsr);

function baseUrl(req: IncomingMessage): string {
  return `http://${req.headers.host ?? "localhost"}`;
}

async function sendWeb(req: IncomingMessage, res: ServerResponse, r: Response): Promise<void> {
  const headers: Record<string, string> = Object.fromEntries(r.headers);
  // A refused body (too large, wrong type) was not read to its end: the connection cannot
  // carry another request, so tell the client not to reuse it.
  if (!req.complete) headers.Connection = "close";
  res.writeHead(r.status, headers);
  res.end(Buffer.from(await r.arrayBuffer()));
}

/** ACME, EST and OCSP (lib/http/protocols.ts): web Request in, Response out, with the socket's facts beside it. */
async function standardProtocol(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const target = req.url ?? "/";
  const handler = await protocolHandler(target.split("?", 1)[0]);
  if (!handler) return false;
  const ctx = protocolContext(req);
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  const request = new Request(new URL(target, ctx.baseUrl), {
    method,
    headers: req.headers as Record<string, string>,
    body: hasBody ? (Readable.toWeb(req) as ReadableStream) : undefined,
    duplex: "half",
  } as RequestInit);
  await sendWeb(req, res, await handler(request, ctx));
  return true;
}

/** Returns true when it answered the request. */
export async function fastPath(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const method = req.method ?? "GET";
  const target = req.url ?? "/";
  // OCSP on plain node:http like the repository: a Web Request/Response pair costs more
  // than a cached answer (bench/ocsp.ts). Other methods get their 405 from the same code.
  const pathname = target.split("?", 1)[0];
  if (pathname === "/ocsp" || pathname.startsWith("/ocsp/")) {
    const r = await ocspReply(method, pathname, () => readCappedNodeBytes(req, OCSP_REQUEST_TYPE, MAX_OCSP_REQUEST_BYTES));
    res.writeHead(r.status, req.complete ? r.headers : { ...r.headers, Connection: "close" });
    res.end(r.body);
    return true;
  }
  // Cheap prefix test first: most requests are for pages and go to Next untouched.
  if (!target.startsWith("/api/")) return target.startsWith("/acme/") || target.startsWith("/.well-known/est/") ? standardProtocol(req, res) : false;
  if (method === "GET" || method === "HEAD") {
    const r = await repositoryReply(target, (req.headers["if-none-match"] as string | undefined) ?? null, method === "HEAD");
    if (r) {
      res.writeHead(r.status, r.headers);
      res.end(r.body ?? undefined);
      return true;
    }
  }
  if (method === "GET" && pathname === "/api/health") {
    const h = await healthReply();
    res.writeHead(h.status, HEALTH_HEADERS);
    res.end(h.body);
    return true;
  }
  if (method === "POST" && pathname === "/api/v1/certificates") {
    const url = new URL(target, baseUrl(req));
    const request = new Request(url, { method, headers: req.headers as Record<string, string>, body: Readable.toWeb(req) as ReadableStream, duplex: "half" } as RequestInit);
    await sendWeb(req, res, await issue(request, undefined));
    return true;
  }
  if (method === "POST" && pathname === "/api/rotation/agent") {
    const { agentPollRoute } = await import("../rotation-run/agentApi");
    const url = new URL(target, baseUrl(req));
    const request = new Request(url, { method, headers: req.headers as Record<string, string>, body: Readable.toWeb(req) as ReadableStream, duplex: "half" } as RequestInit);
    await sendWeb(req, res, await agentPollRoute(request));
    return true;
  }
  return false;
}
