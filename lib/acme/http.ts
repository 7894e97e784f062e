import type { ProtocolHandler } from "../http/protocols";
import { db } from "../db";
import { DatabaseBusyError, ForbiddenError, InputError } from "../errors";
import { accountObject, changeKey, newAccount, updateAccount } from "./accounts";
import { certificateChain, finalizeOrder } from "./finalize";
import { newNonce } from "./nonce";
import { accountOrders, authorization, authzObject, challenge, challengeObject, loadOrder, newOrder, orderObject, RETRY_AFTER_SECONDS } from "./orders";
import { acmePolicy } from "./policy";
import { AcmeProblem } from "./problem";
import { renewalInfoFor } from "./renewalInfo";
import { signedRequest, type AcmeIssuer } from "./request";
import { revokeCert } from "./revoke";
import { acmeUrls } from "./urls";

/**
 * The ACME server (RFC 8555, RFC 9773 renewalInfo), one per issuer at `/acme/{issuer}/…`
 * (docs/ACME.md): routing, the response envelope (Replay-Nonce on every answer of an
 * ACME-enabled issuer, Link rel="index", problem documents) and the error mapping.
 */
type Reply = { status: number; body?: unknown; text?: string; type?: string; headers?: Record<string, string> };

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Reply => ({ status, body, headers });

function problemReply(e: unknown): Reply {
  let p: AcmeProblem;
  if (e instanceof AcmeProblem) p = e;
  else if (e instanceof DatabaseBusyError) p = new AcmeProblem("serverInternal", e.message, 503, {}, { "Retry-After": String(e.retryAfterSeconds) });
  else if (e instanceof ForbiddenError) p = new AcmeProblem("unauthorized", e.message, 403);
  else if (e instanceof InputError) p = new AcmeProblem("malformed", e.message, e.status);
  else {
    console.error("rootline: ACME request failed:", e);
    p = new AcmeProblem("serverInternal", "internal error; nothing was changed", 500);
  }
  return { status: p.status, body: p.toJSON(), type: "application/problem+json", headers: p.headers };
}

async function issuerOf(name: string, baseUrl: string): Promise<AcmeIssuer> {
  const row = await db().issuer.findUnique({ where: { name }, select: { id: true, name: true } });
  const policy = row ? await acmePolicy(row.id) : null;
  if (!row || !policy) throw new AcmeProblem("malformed", `no ACME server for "${name}": no such issuer, or ACME is off for it`, 404);
  return { id: row.id, name: row.name, urls: acmeUrls(baseUrl, row.name), policy };
}

const retryIfPending = (status: string): Record<string, string> => (status === "pending" || status === "processing" ? { "Retry-After": String(RETRY_AFTER_SECONDS) } : {});

const POST_RESOURCES = /^(new-account|new-order|revoke-cert|key-change|account\/[^/]+(\/orders)?|order\/[^/]+(\/finalize)?|authz\/[^/]+|chall\/[^/]+|cert\/[^/]+)$/;

async function route(request: Request, issuer: AcmeIssuer, path: string, url: string): Promise<Reply> {
  const method = request.method;
  const u = issuer.urls;
  if (path === "directory") {
    if (method !== "GET") return problemReply(new AcmeProblem("malformed", "the directory is read with GET", 405, {}, { Allow: "GET" }));
    return json(200, {
      newNonce: u.newNonce,
      newAccount: u.newAccount,
      newOrder: u.newOrder,
      revokeCert: u.revokeCert,
      keyChange: u.keyChange,
      renewalInfo: u.renewalInfo,
      meta: { externalAccountRequired: issuer.policy.requireEab },
    });
  }
  if (path === "new-nonce") {
    if (method === "HEAD") return { status: 200, headers: { "Cache-Control": "no-store" } };
    if (method === "GET") return { status: 204, headers: { "Cache-Control": "no-store" } };
    return problemReply(new AcmeProblem("malformed", "newNonce is HEAD or GET", 405, {}, { Allow: "HEAD, GET" }));
  }
  if (path.startsWith("renewal-info/")) {
    if (method !== "GET") return problemReply(new AcmeProblem("malformed", "renewalInfo is read with GET", 405, {}, { Allow: "GET" }));
    const r = await renewalInfoFor(issuer.id, path.slice("renewal-info/".length));
    return json(200, r.body, { "Retry-After": String(r.retryAfterSeconds) });
  }
  if (!POST_RESOURCES.test(path)) throw new AcmeProblem("malformed", `no ACME resource ${JSON.stringify(path)}`, 404);
  if (method !== "POST") return problemReply(new AcmeProblem("malformed", "ACME resources take POST (POST-as-GET to read)", 405, {}, { Allow: "POST" }));
  const [kind, id, sub] = path.split("/");

  if (kind === "new-account") {
    const req = await signedRequest(request, url, issuer, "jwk");
    const { account, created } = await newAccount(req, issuer);
    return json(created ? 201 : 200, accountObject(account, issuer), { Location: u.account(account.id) });
  }
  if (kind === "revoke-cert") {
    await revokeCert(await signedRequest(request, url, issuer, "either"), issuer);
    return { status: 200 };
  }
  const req = await signedRequest(request, url, issuer, "kid");
  const accountId = req.account!.id;
  switch (kind) {
    case "key-change": {
      const a = await changeKey(req, issuer);
      return json(200, accountObject(a, issuer), { Location: u.account(a.id) });
    }
    case "account": {
      if (sub === "orders") {
        if (id !== accountId) throw new AcmeProblem("unauthorized", "an account can only list its own orders", 403);
        return json(200, await accountOrders(issuer, accountId));
      }
      const a = await updateAccount(req, issuer, id);
      return json(200, accountObject(a, issuer), { Location: u.account(a.id) });
    }
    case "new-order": {
      const o = await newOrder(req, issuer);
      const full = await loadOrder(issuer, o.id, accountId);
      return json(201, orderObject(full, issuer), { Location: u.order(o.id), ...retryIfPending(full.status) });
    }
    case "order": {
      const o = sub === "finalize" ? await finalizeOrder(req, issuer, id) : await loadOrder(issuer, id, accountId);
      return json(200, orderObject(o, issuer), { Location: u.order(o.id), ...retryIfPending(o.status) });
    }
    case "authz": {
      const a = await authorization(req, issuer, id);
      return json(200, authzObject(a, issuer), retryIfPending(a.status));
    }
    case "chall": {
      const { challenge: c, authzUrl } = await challenge(req, issuer, id);
      return json(200, challengeObject(c, issuer), { Link: `<${authzUrl}>;rel="up"`, ...retryIfPending(c.status) });
    }
    case "cert":
      return { status: 200, text: await certificateChain(req, issuer, id), type: "application/pem-certificate-chain" };
  }
  throw new AcmeProblem("malformed", `no ACME resource ${JSON.stringify(path)}`, 404);
}

export const acmeHandler: ProtocolHandler = async (request, ctx) => {
  const pathname = new URL(request.url).pathname;
  const m = /^\/acme\/([^/]+)\/(.*)$/.exec(pathname);
  let issuer: AcmeIssuer | null = null;
  let reply: Reply;
  try {
    if (!m) throw new AcmeProblem("malformed", "ACME lives at /acme/{issuer}/directory", 404);
    let name: string;
    try {
      name = decodeURIComponent(m[1]);
    } catch {
      throw new AcmeProblem("malformed", "the issuer in the URL is not valid percent-encoding", 404);
    }
    issuer = await issuerOf(name, ctx.baseUrl);
    // The URL a client must sign: what this server hands out, from the listener's base URL.
    reply = await route(request, issuer, m[2], `${ctx.baseUrl}${pathname}`);
  } catch (e) {
    reply = problemReply(e);
  }
  const headers: Record<string, string> = { "Cache-Control": "no-store", ...(reply.headers ?? {}) };
  if (issuer) {
    headers.Link = [headers.Link, `<${issuer.urls.directory}>;rel="index"`].filter(Boolean).join(", ");
    // Every answer carries a fresh nonce (a badNonce answer most of all); a busy database just omits it.
    headers["Replay-Nonce"] = await newNonce().catch(() => "");
    if (!headers["Replay-Nonce"]) delete headers["Replay-Nonce"];
  }
  if (reply.body !== undefined) {
    headers["Content-Type"] = reply.type ?? "application/json";
    return new Response(JSON.stringify(reply.body), { status: reply.status, headers });
  }
  if (reply.text !== undefined) {
    headers["Content-Type"] = reply.type ?? "text/plain";
    return new Response(reply.text, { status: reply.status, headers });
  }
  return new Response(null, { status: reply.status, headers });
};
