import { db } from "../db";
import { DatabaseBusyError, ForbiddenError, InputError } from "../errors";
import type { ProtocolContext, ProtocolHandler } from "../http/protocols";
import { caChain } from "../issuers/intermediate";
import { issuerByName } from "../store/state";
import { authenticateEnrolment } from "./auth";
import { readCsrBody } from "./body";
import { simpleEnroll, simpleReenroll } from "./enroll";
import { base64Lines, certsOnly } from "./pkcs7";

/**
 * EST (RFC 7030) at /.well-known/est/{issuer}/{operation} (docs/EST.md); the issuer is the
 * RFC's optional CA label. Served on both listeners; `simplereenroll` needs the HTTPS one,
 * whose handshake carries the client certificate.
 *
 *   GET  cacerts          the issuer's chain, certs-only PKCS#7, base64 (public)
 *   POST simpleenroll     base64 PKCS#10 → certs-only PKCS#7 with the new certificate (HTTP Basic)
 *   POST simplereenroll   the same, authenticated by the TLS client certificate only
 *   GET  csrattrs         204: no attributes are asked for (§4.5.2)
 *
 * Errors are text/plain: "field: reason".
 */
const PREFIX = "/.well-known/est/";
const OPERATIONS = new Map<string, "GET" | "POST">([["cacerts", "GET"], ["simpleenroll", "POST"], ["simplereenroll", "POST"], ["csrattrs", "GET"]]);
const NOT_OFFERED = new Set(["serverkeygen", "fullcmc"]);

function text(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body.endsWith("\n") ? body : `${body}\n`, { status, headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store", ...headers } });
}

function pkcs7(certificates: readonly Uint8Array[], smimeType: boolean, head = false): Response {
  const body = base64Lines(certsOnly(certificates));
  return new Response(head ? null : body, {
    status: 200,
    headers: {
      "Content-Type": smimeType ? "application/pkcs7-mime; smime-type=certs-only" : "application/pkcs7-mime",
      // As RFC 7030 §4.1.3 writes it (RFC 8951 lets clients ignore it): the body is base64.
      "Content-Transfer-Encoding": "base64",
      "Content-Length": String(Buffer.byteLength(body)),
      "Cache-Control": "no-store",
    },
  });
}

function errorText(err: unknown): Response {
  if (err instanceof InputError) return text(err.status, `${err.field}: ${err.message}`, err instanceof DatabaseBusyError ? { "Retry-After": String(err.retryAfterSeconds) } : {});
  if (err instanceof ForbiddenError) return text(403, err.message);
  console.error("rootline: EST request failed:", err);
  return text(500, "internal error; nothing was changed");
}

/** Quoted-string for the realm: issuer names are printable, but never let one break the header. */
const realm = (issuer: string) => `Basic realm="est/${issuer.replace(/["\\]/g, "")}"`;

async function serve(request: Request, ctx: ProtocolContext): Promise<Response> {
  const path = new URL(request.url).pathname;
  const parts = path.slice(PREFIX.length).split("/");
  if (parts.length === 1 && (OPERATIONS.has(parts[0]) || NOT_OFFERED.has(parts[0]))) return text(404, `issuer: name the issuer (the CA label): ${PREFIX}{issuer}/${parts[0]}`);
  if (parts.length !== 2 || !parts[0]) return text(404, `not an EST path: expected ${PREFIX}{issuer}/cacerts|simpleenroll|simplereenroll`);
  let name: string;
  try {
    name = decodeURIComponent(parts[0]);
  } catch {
    return text(400, "issuer: the issuer name is not valid percent-encoding");
  }
  const op = parts[1];
  if (NOT_OFFERED.has(op)) return text(501, `${op} is not offered: Rootline never generates or holds device keys through EST, and takes no full CMC`);
  const method = OPERATIONS.get(op);
  if (!method) return text(404, `unknown EST operation "${op}": expected cacerts, simpleenroll, simplereenroll or csrattrs`);
  const allowed = method === "GET" ? ["GET", "HEAD"] : ["POST"];
  if (!allowed.includes(request.method)) return text(405, `${op} takes ${allowed.join(" or ")}`, { Allow: allowed.join(", ") });
  const issuer = await issuerByName(db(), name, { id: true, name: true });

  if (op === "cacerts") return pkcs7(await caChain(issuer.id), false, request.method === "HEAD");
  if (op === "csrattrs") return new Response(null, { status: 204, headers: { "Cache-Control": "no-store" } });
  if (op === "simpleenroll") {
    const auth = await authenticateEnrolment(request.headers.get("authorization"), issuer);
    if (!auth.ok) return text(auth.status, auth.message, auth.status === 401 ? { "WWW-Authenticate": realm(issuer.name) } : {});
    const issued = await simpleEnroll(auth.actor, issuer.name, await readCsrBody(request));
    return pkcs7([issued.der], true);
  }
  // simplereenroll: the body is read only from a client whose certificate is worth judging.
  if (!ctx.clientCertificateDer) return text(403, `certificate: re-enrolment is authenticated by your current certificate only: present it in the TLS handshake over HTTPS (curl --cert cert.pem --key key.pem)`);
  const issued = await simpleReenroll(issuer.name, ctx.clientCertificateDer, await readCsrBody(request));
  return pkcs7([issued.der], true);
}

export const estHandler: ProtocolHandler = async (request, ctx) => {
  try {
    return await serve(request, ctx);
  } catch (err) {
    return errorText(err);
  }
};
