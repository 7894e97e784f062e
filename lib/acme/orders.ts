import { randomBytes } from "node:crypto";
import { db } from "../db";
import { AcmeProblem } from "./problem";
import { identifierKey, identifiersOfSans, orderIdentifiers, type Identifier } from "./identifiers";
import { certificateForCertId } from "./renewalInfo";
import { acmeLimits, checkOrderLimits } from "./limits";
import { body, isRead, type AcmeIssuer, type SignedRequest } from "./request";
import { claimValidation, reclaimOrphanedValidations } from "./validation";

/**
 * Orders, authorizations and challenges (RFC 8555 7.1.3-7.1.5, 7.4, 7.5). One
 * authorization per identifier with one http-01 challenge (no dns-01: wildcards are
 * refused by the policy); authorizations are not reused across orders; new orders are rate
 * limited (limits.ts). Expiry is judged
 * when an object is read: a pending order past `expires` becomes invalid, a pending
 * authorization expired.
 */
export const ORDER_LIFETIME_MS = 24 * 3600_000;
/** What pending and processing objects tell clients to wait before polling again. */
export const RETRY_AFTER_SECONDS = 1;

type OrderRow = { id: string; accountId: string; status: string; identifiers: string; expires: Date; error: string | null; certificateId: string | null; replaces: string | null };
type AuthzRow = { id: string; orderId: string; identifierType: string; identifierValue: string; status: string; expires: Date };
type ChallengeRow = { id: string; authorizationId: string; type: string; token: string; status: string; validated: Date | null; error: string | null };

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

export async function newOrder(req: SignedRequest, issuer: AcmeIssuer): Promise<OrderRow> {
  const p = body(req);
  for (const k of Object.keys(p)) if (!["identifiers", "notBefore", "notAfter", "replaces"].includes(k)) throw new AcmeProblem("malformed", `unknown order field "${k}"`);
  if (p.notBefore !== undefined || p.notAfter !== undefined) throw new AcmeProblem("malformed", "notBefore and notAfter are not supported: the issuer's validity applies");
  const ids = orderIdentifiers(issuer.policy, p.identifiers);
  const replaces = p.replaces === undefined ? null : await checkReplaces(p.replaces, ids, issuer);
  const limits = acmeLimits();
  const now = new Date();
  const expires = new Date(now.getTime() + ORDER_LIFETIME_MS);
  return db().$transaction(async (tx) => {
    await checkOrderLimits(tx, req.account!.id, ids, limits, now);
    if (replaces && (await tx.acmeOrder.findFirst({ where: { replaces, status: { not: "invalid" }, account: { issuerId: issuer.id } }, select: { id: true } }))) {
      throw new AcmeProblem("alreadyReplaced", "another order already replaces this certificate", 409);
    }
    const order = await tx.acmeOrder.create({ data: { accountId: req.account!.id, identifiers: JSON.stringify(ids), expires, replaces } });
    for (const id of ids) {
      await tx.acmeAuthorization.create({
        data: { orderId: order.id, identifierType: id.type, identifierValue: id.value, expires, challenges: { create: [{ type: "http-01", token: randomBytes(32).toString("base64url") }] } },
      });
    }
    return order;
  });
}

/** RFC 9773 5: `replaces` names a certificate of this issuer that shares an identifier with the order and is not replaced yet. */
async function checkReplaces(v: unknown, ids: Identifier[], issuer: AcmeIssuer): Promise<string> {
  if (typeof v !== "string") throw new AcmeProblem("malformed", "replaces must be a certificate identifier (RFC 9773)");
  const found = await certificateForCertId(db(), issuer.id, v);
  if (!found) throw new AcmeProblem("malformed", "replaces names no certificate of this CA");
  const cert = await db().certificate.findUniqueOrThrow({ where: { id: found.id }, select: { sans: true, status: true } });
  const theirs = new Set(identifiersOfSans(cert.sans).map(identifierKey));
  if (!ids.some((i) => theirs.has(identifierKey(i)))) throw new AcmeProblem("malformed", "the certificate in replaces shares no identifier with this order");
  if (cert.status === "superseded") throw new AcmeProblem("alreadyReplaced", "the certificate in replaces has already been renewed", 409);
  return v;
}

/** The order, with lazy expiry (pending → ready is the validator's step, validation.ts). */
export async function loadOrder(issuer: AcmeIssuer, orderId: string, accountId: string) {
  const order = await db().acmeOrder.findFirst({ where: { id: orderId, account: { issuerId: issuer.id } }, include: { authorizations: { orderBy: { createdAt: "asc" } } } });
  if (!order) throw new AcmeProblem("malformed", "no such order", 404);
  if (order.accountId !== accountId) throw new AcmeProblem("unauthorized", "this order belongs to another account", 403);
  const now = new Date();
  if ((order.status === "pending" || order.status === "ready") && order.expires <= now) {
    await db().acmeOrder.updateMany({ where: { id: order.id, status: order.status }, data: { status: "invalid", error: JSON.stringify(new AcmeProblem("malformed", "the order expired").toJSON()) } });
    return { ...order, status: "invalid" };
  }
  return order;
}

export function orderObject(o: OrderRow & { authorizations: { id: string }[] }, issuer: AcmeIssuer) {
  return {
    status: o.status,
    expires: iso(o.expires),
    identifiers: JSON.parse(o.identifiers) as Identifier[],
    authorizations: o.authorizations.map((a) => issuer.urls.authz(a.id)),
    finalize: issuer.urls.finalize(o.id),
    ...(o.certificateId ? { certificate: issuer.urls.certificate(o.certificateId) } : {}),
    ...(o.error ? { error: JSON.parse(o.error) } : {}),
    ...(o.replaces ? { replaces: o.replaces } : {}),
  };
}

async function loadAuthz(issuer: AcmeIssuer, authzId: string, accountId: string) {
  const a = await db().acmeAuthorization.findFirst({ where: { id: authzId, order: { account: { issuerId: issuer.id } } }, include: { challenges: true, order: { select: { accountId: true } } } });
  if (!a) throw new AcmeProblem("malformed", "no such authorization", 404);
  if (a.order.accountId !== accountId) throw new AcmeProblem("unauthorized", "this authorization belongs to another account", 403);
  if (a.status === "pending" && a.challenges.some((c) => c.status === "processing")) await reclaimOrphanedValidations(a.id);
  if (a.status === "pending" && a.expires <= new Date()) {
    await db().acmeAuthorization.updateMany({ where: { id: a.id, status: "pending" }, data: { status: "expired" } });
    return { ...a, status: "expired" };
  }
  return a;
}

export function challengeObject(c: ChallengeRow, issuer: AcmeIssuer) {
  return {
    type: c.type,
    url: issuer.urls.challenge(c.id),
    token: c.token,
    status: c.status,
    ...(c.validated ? { validated: iso(c.validated) } : {}),
    ...(c.error ? { error: JSON.parse(c.error) } : {}),
  };
}

export function authzObject(a: AuthzRow & { challenges: ChallengeRow[] }, issuer: AcmeIssuer) {
  return {
    identifier: { type: a.identifierType, value: a.identifierValue },
    status: a.status,
    expires: iso(a.expires),
    challenges: a.challenges.map((c) => challengeObject(c, issuer)),
  };
}

/** POST to an authorization: read it, or deactivate it (RFC 8555 7.5.2). */
export async function authorization(req: SignedRequest, issuer: AcmeIssuer, authzId: string) {
  const a = await loadAuthz(issuer, authzId, req.account!.id);
  if (isRead(req)) return a;
  const p = body(req);
  if (p.status !== "deactivated" || Object.keys(p).length !== 1) throw new AcmeProblem("malformed", 'an authorization can only be updated with {"status": "deactivated"}');
  if (a.status !== "pending" && a.status !== "valid") throw new AcmeProblem("malformed", `the authorization is ${a.status}; only a pending or valid one can be deactivated`);
  await db().$transaction(async (tx) => {
    await tx.acmeAuthorization.update({ where: { id: a.id }, data: { status: "deactivated" } });
    // Its order can no longer become (or stay) ready.
    await tx.acmeOrder.updateMany({ where: { id: a.orderId, status: { in: ["pending", "ready"] } }, data: { status: "invalid", error: JSON.stringify(new AcmeProblem("unauthorized", `the authorization for ${a.identifierValue} was deactivated`, 403).toJSON()) } });
  });
  return { ...a, status: "deactivated" };
}

/**
 * POST to a challenge: `{}` asks for validation (RFC 8555 7.5.1), which runs off the
 * request (validation.ts); the challenge answers "processing" meanwhile. POST-as-GET reads it.
 */
export async function challenge(req: SignedRequest, issuer: AcmeIssuer, challengeId: string) {
  const c = await db().acmeChallenge.findFirst({ where: { id: challengeId, authorization: { order: { account: { issuerId: issuer.id } } } }, include: { authorization: { include: { order: { select: { accountId: true } } } } } });
  if (!c) throw new AcmeProblem("malformed", "no such challenge", 404);
  if (c.authorization.order.accountId !== req.account!.id) throw new AcmeProblem("unauthorized", "this challenge belongs to another account", 403);
  const authzUrl = issuer.urls.authz(c.authorizationId);
  if (req.payload === "") {
    if (c.status === "processing") await reclaimOrphanedValidations(c.authorizationId);
    return { challenge: c, authzUrl };
  }
  const p = body(req);
  if (Object.keys(p).length !== 0) throw new AcmeProblem("malformed", "respond to a challenge with an empty object {}");
  const authz = await loadAuthz(issuer, c.authorizationId, req.account!.id);
  if (c.status !== "pending" || authz.status !== "pending") return { challenge: c, authzUrl };
  await claimValidation(c.id);
  return { challenge: { ...c, status: "processing" }, authzUrl };
}

/** The account's orders (RFC 8555 7.1.2.1), newest first. */
export async function accountOrders(issuer: AcmeIssuer, accountId: string) {
  const rows = await db().acmeOrder.findMany({ where: { accountId, status: { in: ["pending", "ready", "processing", "valid"] } }, orderBy: { createdAt: "desc" }, take: 100, select: { id: true } });
  return { orders: rows.map((r) => issuer.urls.order(r.id)) };
}
