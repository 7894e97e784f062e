import crypto from "node:crypto";
import { errorReply } from "../errors";
import { readCappedBytes } from "../http/body";
import type { ProtocolHandler } from "../http/protocols";
import { answerOcsp, type OcspAnswer } from "./responder";
import { ocspErrorResponse } from "./response";

/**
 * OCSP over HTTP (RFC 6960 Appendix A, RFC 5019):
 *
 *   POST /ocsp/{issuer}                    Content-Type: application/ocsp-request, body DER
 *   GET  /ocsp/{issuer}/{base64(DER), URL-encoded}
 *
 * Answers are application/ocsp-response with HTTP 200 whatever the OCSP status (a
 * malformed request is OCSP's malformedRequest, an unknown issuer its unauthorized);
 * HTTP errors only for what is not OCSP at all (wrong method, media type, size).
 * `ocspReply` is framework-free like the repository's `repositoryReply`: the fast path
 * answers /ocsp/{issuer}… with it on plain node:http (a Web Request/Response pair costs
 * more than a cached answer); `ocspHandler` is the same over a Web Request/Response,
 * for callers that hold one.
 */

export const OCSP_REQUEST_TYPE = "application/ocsp-request";
const RESPONSE_TYPE = "application/ocsp-response";
/** An OCSP request for a few certificates is a few hundred bytes. */
export const MAX_OCSP_REQUEST_BYTES = 16 * 1024;

export interface OcspReply {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

/** Per cached response, built once: a hit costs a WeakMap lookup. */
const headerCache = new WeakMap<Buffer, Record<string, string>>();

/**
 * Caches may keep a response (it is signed) but must revalidate it, like the repository's
 * documents: a revocation is answered at once. Nonce answers are for one request only.
 */
function headersOf(a: OcspAnswer): Record<string, string> {
  if (a.status !== "successful" || a.fresh) return { "Content-Type": RESPONSE_TYPE, "Content-Length": String(a.der.length), "Cache-Control": "no-store" };
  let h = headerCache.get(a.der);
  if (!h) {
    h = {
      "Content-Type": RESPONSE_TYPE,
      "Content-Length": String(a.der.length),
      "Cache-Control": "public, no-cache, no-transform",
      ETag: `"${crypto.createHash("sha256").update(a.der).digest("base64url").slice(0, 22)}"`,
      "Last-Modified": a.thisUpdate!.toUTCString(),
      Expires: a.nextUpdate!.toUTCString(),
    };
    headerCache.set(a.der, h);
  }
  return h;
}

const reply = (a: OcspAnswer): OcspReply => ({ status: 200, headers: headersOf(a), body: a.der });
const failed = (status: "malformedRequest" | "unauthorized"): OcspReply => reply({ der: ocspErrorResponse(status), status, fresh: false });

/** base64 of a GET request: percent-decoded; '+' and '/' may arrive raw or escaped (A.1 says escape; clients differ). */
function decodeGetRequest(encoded: string): Uint8Array | null {
  let b64: string;
  try {
    b64 = decodeURIComponent(encoded);
  } catch {
    return null;
  }
  // Some clients send base64url; a space is a '+' a form decoder turned into a space.
  b64 = b64.replace(/ /g, "+").replace(/-/g, "+").replace(/_/g, "/");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return null;
  return Buffer.from(b64, "base64");
}

/**
 * One OCSP exchange. `pathname` is the request target's path (not decoded: the GET request
 * may itself contain escaped characters); `body` reads a POST's DER (capped).
 */
export async function ocspReply(method: string, pathname: string, body: () => Promise<Uint8Array>): Promise<OcspReply> {
  if (method !== "GET" && method !== "POST") return { status: 405, headers: { Allow: "GET, POST", "Content-Type": "text/plain" }, body: Buffer.from("OCSP takes GET or POST\n") };
  // "/ocsp/{issuer}" or "/ocsp/{issuer}/{request…}": the request may itself contain '/'.
  const m = /^\/ocsp\/([^/]+)(?:\/(.*))?$/.exec(pathname);
  if (!m) return failed("unauthorized");
  let issuer: string;
  try {
    issuer = decodeURIComponent(m[1]);
  } catch {
    return failed("unauthorized");
  }
  if (method === "GET") {
    const der = m[2] ? decodeGetRequest(m[2]) : null;
    if (!der || der.length > MAX_OCSP_REQUEST_BYTES) return failed("malformedRequest");
    return reply(await answerOcsp(issuer, der));
  }
  if (m[2]) return failed("malformedRequest");
  let der: Uint8Array;
  try {
    der = await body();
  } catch (err) {
    const r = errorReply(err); // 415 / 413: not OCSP at all
    return { status: r.status, headers: r.headers, body: Buffer.from(r.body) };
  }
  return reply(await answerOcsp(issuer, der));
}

/** The Web form, for the protocol dispatch (lib/http/protocols.ts). */
export const ocspHandler: ProtocolHandler = async (request) => {
  const r = await ocspReply(request.method, new URL(request.url).pathname, () => readCappedBytes(request, OCSP_REQUEST_TYPE, MAX_OCSP_REQUEST_BYTES));
  return new Response(new Uint8Array(r.body.buffer as ArrayBuffer, r.body.byteOffset, r.body.length), { status: r.status, headers: r.headers });
};
