import { calculateJwkThumbprint, type JWK } from "jose";
import { appendAudit } from "../audit";
import { db } from "../db";
import { bindEabKey, verifyExternalAccountBinding } from "./eab";
import { parseJws, publicKeyFor, verifyJws, payloadObject } from "./jws";
import { AcmeProblem } from "./problem";
import { accountActor, body, isRead, type AccountRow, type AcmeIssuer, type SignedRequest } from "./request";

/**
 * ACME accounts (RFC 8555 7.3): registration (newAccount, with an External Account
 * Binding when the issuer's policy asks for one), contact updates, deactivation and key
 * rollover. Each change is one transaction with its audit event.
 */
const MAX_CONTACTS = 5;

export function accountObject(a: AccountRow, issuer: AcmeIssuer) {
  return { status: a.status, contact: JSON.parse(a.contact) as string[], orders: issuer.urls.orders(a.id), ...(a.eabKeyId ? { externalAccountBinding: { kid: a.eabKeyId } } : {}) };
}

function parseContact(v: unknown): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new AcmeProblem("malformed", "contact must be an array of URLs");
  if (v.length > MAX_CONTACTS) throw new AcmeProblem("invalidContact", `at most ${MAX_CONTACTS} contacts`);
  return v.map((c) => {
    if (typeof c !== "string") throw new AcmeProblem("invalidContact", "each contact must be a string");
    if (!c.startsWith("mailto:")) throw new AcmeProblem("unsupportedContact", `only mailto: contacts are supported, not ${JSON.stringify(c.slice(0, 40))}`);
    const addr = c.slice("mailto:".length);
    if (addr.length > 254 || !/^[^\s@?,;<>]+@[^\s@?,;<>]+\.[^\s@?,;<>]+$/.test(addr)) throw new AcmeProblem("invalidContact", `${JSON.stringify(c.slice(0, 80))} is not a mailto: URL with one e-mail address`);
    return c;
  });
}

export const thumbprint = (jwk: JWK) => calculateJwkThumbprint(jwk, "sha256");

/** What is stored of an account key: its public members only (no alg, kid, use…). */
function publicJwkOf(jwk: JWK): JWK {
  const { kty, crv, x, y, n, e } = jwk;
  return JSON.parse(JSON.stringify({ kty, crv, x, y, n, e })) as JWK;
}

/** newAccount: finds the account of this key, or creates it. */
export async function newAccount(req: SignedRequest, issuer: AcmeIssuer): Promise<{ account: AccountRow; created: boolean }> {
  const jwk = req.jwk!;
  const p = body(req);
  const tp = await thumbprint(jwk);
  const existing = await db().acmeAccount.findUnique({ where: { issuerId_jwkThumbprint: { issuerId: issuer.id, jwkThumbprint: tp } } });
  if (existing) return { account: existing, created: false };
  if (p.onlyReturnExisting === true) throw new AcmeProblem("accountDoesNotExist", "no account has this key", 400);
  const contact = parseContact(p.contact);
  if (p.termsOfServiceAgreed !== undefined && typeof p.termsOfServiceAgreed !== "boolean") throw new AcmeProblem("malformed", "termsOfServiceAgreed must be a boolean");
  const eab = p.externalAccountBinding;
  if (eab === undefined && issuer.policy.requireEab) throw new AcmeProblem("externalAccountRequired", `the issuer "${issuer.name}" requires an External Account Binding; ask its operator for an EAB key`);
  const publicJwk = publicJwkOf(jwk);
  const created = db().$transaction(async (tx) => {
    const bound = eab === undefined ? null : await verifyExternalAccountBinding(tx, issuer.id, eab, publicJwk as JsonWebKey, issuer.urls.newAccount);
    const a = await tx.acmeAccount.create({ data: { issuerId: issuer.id, jwkThumbprint: tp, jwk: JSON.stringify(publicJwk), contact: JSON.stringify(contact), eabKeyId: bound?.keyId ?? null } });
    if (bound) await bindEabKey(tx, bound.keyId, a.id);
    await appendAudit(tx, accountActor(a.id), { action: "acme.account-create", targetType: "acme-account", targetId: a.id, after: { issuer: issuer.name, thumbprint: tp, contact, eabKeyId: bound?.keyId } });
    return a;
  });
  try {
    return { account: await created, created: true };
  } catch (e) {
    // A concurrent newAccount with the same key won the unique (issuer, thumbprint): that account is this key's.
    const raced = await db().acmeAccount.findUnique({ where: { issuerId_jwkThumbprint: { issuerId: issuer.id, jwkThumbprint: tp } } });
    if (raced) return { account: raced, created: false };
    throw e;
  }
}

/** POST to the account URL: read it, change its contact, or deactivate it. */
export async function updateAccount(req: SignedRequest, issuer: AcmeIssuer, accountId: string): Promise<AccountRow> {
  const a = req.account!;
  if (a.id !== accountId) throw new AcmeProblem("unauthorized", "an account can only read or change itself", 403);
  if (isRead(req)) return a;
  const p = body(req);
  for (const k of Object.keys(p)) if (!["status", "contact", "termsOfServiceAgreed"].includes(k)) throw new AcmeProblem("malformed", `the account field "${k}" cannot be changed`);
  if (p.status !== undefined && p.status !== "deactivated") throw new AcmeProblem("malformed", 'an account\'s status can only be set to "deactivated"');
  const contact = p.contact !== undefined ? parseContact(p.contact) : null;
  return db().$transaction(async (tx) => {
    let row: AccountRow = a;
    if (contact) {
      row = await tx.acmeAccount.update({ where: { id: a.id }, data: { contact: JSON.stringify(contact) } });
      await appendAudit(tx, accountActor(a.id), { action: "acme.account-update", targetType: "acme-account", targetId: a.id, before: { contact: JSON.parse(a.contact) }, after: { contact } });
    }
    if (p.status === "deactivated") {
      // Only a valid account gets here (signedRequest): the update cannot race a second deactivation into two events.
      const { count } = await tx.acmeAccount.updateMany({ where: { id: a.id, status: "valid" }, data: { status: "deactivated" } });
      if (count !== 1) throw new AcmeProblem("unauthorized", "the account is no longer valid", 403);
      // Its pending authorizations can no longer be used (RFC 8555 7.3.6).
      await tx.acmeAuthorization.updateMany({ where: { status: "pending", order: { accountId: a.id } }, data: { status: "deactivated" } });
      await appendAudit(tx, accountActor(a.id), { action: "acme.account-deactivate", targetType: "acme-account", targetId: a.id, before: { status: "valid" }, after: { status: "deactivated" } });
      row = { ...row, status: "deactivated" };
    }
    return row;
  });
}

/**
 * keyChange (RFC 8555 7.3.5): the outer JWS is signed by the account's current key, the
 * inner one by the new key (jwk, same url, no nonce) over {account, oldKey}.
 */
export async function changeKey(req: SignedRequest, issuer: AcmeIssuer): Promise<AccountRow> {
  const a = req.account!;
  const inner = parseJws(payloadObject(req.payload, "keyChange payload (the inner JWS)"), "inner JWS");
  if (inner.header.jwk === undefined) throw new AcmeProblem("malformed", 'the inner JWS must carry the new key as "jwk"');
  if (inner.header.nonce !== undefined) throw new AcmeProblem("malformed", "the inner JWS must not have a nonce");
  if (inner.header.url !== req.header.url) throw new AcmeProblem("malformed", "the inner JWS's url must be the outer JWS's url");
  const newKey = await publicKeyFor(inner.header.jwk, inner.header.alg);
  const p = payloadObject(await verifyJws(inner, newKey, "inner JWS"), "inner JWS payload");
  if (p.account !== req.header.kid) throw new AcmeProblem("malformed", "the inner payload's account is not the account signing the outer JWS");
  if (!p.oldKey || typeof p.oldKey !== "object") throw new AcmeProblem("malformed", "the inner payload needs oldKey, the current account key");
  const oldTp = await thumbprint(p.oldKey as JWK).catch(() => "");
  if (oldTp !== a.jwkThumbprint) throw new AcmeProblem("malformed", "oldKey is not the account's current key");
  const newJwk = inner.header.jwk;
  const newTp = await thumbprint(newJwk);
  if (newTp === a.jwkThumbprint) throw new AcmeProblem("malformed", "the new key is the current key");
  const publicJwk = publicJwkOf(newJwk);
  return db().$transaction(async (tx) => {
    const taken = await tx.acmeAccount.findUnique({ where: { issuerId_jwkThumbprint: { issuerId: issuer.id, jwkThumbprint: newTp } }, select: { id: true } });
    if (taken) throw new AcmeProblem("malformed", "another account already uses the new key", 409, {}, { Location: issuer.urls.account(taken.id) });
    const row = await tx.acmeAccount.update({ where: { id: a.id }, data: { jwk: JSON.stringify(publicJwk), jwkThumbprint: newTp } });
    await appendAudit(tx, accountActor(a.id), { action: "acme.account-key-change", targetType: "acme-account", targetId: a.id, before: { thumbprint: a.jwkThumbprint }, after: { thumbprint: newTp } });
    return row;
  });
}
