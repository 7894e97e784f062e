import crypto from "node:crypto";
import { calculateJwkThumbprint, decodeProtectedHeader, flattenedVerify, type JWK } from "jose";
import { appendAudit } from "../audit";
import type { Actor } from "../auth/actor";
import { requirePermission } from "../auth/roles";
import { db, type Tx } from "../db";
import { ConflictError, InputError, NotFoundError } from "../errors";
import { sealEabKey, unsealEabKey } from "../secrets/keys";
import { issuerByName } from "../store/state";
import { AcmeProblem } from "./problem";

/**
 * External Account Binding keys (RFC 8555 7.3.4): staff create one per client, hand over
 * its key identifier and HMAC key once, and a new ACME account proves it holds them by
 * MACing its account key with HS256. Each key binds one account, once; the HMAC key is
 * sealed at rest with the master key, bound to its own row.
 */

const MAX_LABEL = 100;

export type EabKeyStatus = "unused" | "used" | "revoked";

export interface EabKeyInfo {
  keyId: string;
  label: string;
  createdBy: string;
  createdAt: Date;
  usedAt: Date | null;
  accountId: string | null;
  revokedAt: Date | null;
  status: EabKeyStatus;
}

const statusOf = (k: { usedAt: Date | null; revokedAt: Date | null }): EabKeyStatus => (k.revokedAt ? "revoked" : k.usedAt ? "used" : "unused");

/** A new key for an issuer; the HMAC key (base64url, 256 bits) is returned this once only. */
export async function createEabKey(actor: Actor, issuerName: string, label: string): Promise<{ keyId: string; hmacKey: string }> {
  requirePermission(actor.role, "issuers:write");
  const l = (label ?? "").trim();
  if (l.length > MAX_LABEL) throw new InputError("label", `a label has at most ${MAX_LABEL} characters`);
  if (/[\x00-\x1f\x7f]/.test(l)) throw new InputError("label", "a label is one line of text");
  // The kid travels in certbot command lines and JWS headers: URL-safe, no padding.
  const keyId = `eab_${crypto.randomBytes(12).toString("base64url")}`;
  const hmac = crypto.randomBytes(32);
  return db().$transaction(async (tx) => {
    const issuer = await issuerByName(tx, issuerName, { id: true, name: true });
    await tx.acmeEabKey.create({ data: { id: keyId, issuerId: issuer.id, label: l, sealedKey: sealEabKey(hmac, { id: keyId }), createdBy: `${actor.kind}:${actor.name}` } });
    await appendAudit(tx, actor, { action: "acme.eab-key-create", targetType: "issuer", targetId: issuer.id, after: { issuer: issuer.name, keyId, label: l } });
    return { keyId, hmacKey: hmac.toString("base64url") };
  });
}

/** The issuer's keys, newest first (never the HMAC keys). */
export async function listEabKeys(issuerName: string): Promise<EabKeyInfo[]> {
  const issuer = await issuerByName(db(), issuerName, { id: true });
  const rows = await db().acmeEabKey.findMany({
    where: { issuerId: issuer.id },
    orderBy: { createdAt: "desc" },
    select: { id: true, label: true, createdBy: true, createdAt: true, usedAt: true, accountId: true, revokedAt: true },
  });
  return rows.map(({ id, ...r }) => ({ keyId: id, ...r, status: statusOf(r) }));
}

/**
 * Revokes a key: it binds no new account, and the account it already bound (if any) is
 * deactivated, so revoking is how staff cut off a client's ACME access.
 */
export async function revokeEabKey(actor: Actor, keyId: string): Promise<void> {
  requirePermission(actor.role, "issuers:write");
  if (typeof keyId !== "string" || !keyId.trim()) throw new InputError("keyId", "name the key identifier (kid) to revoke");
  await db().$transaction(async (tx) => {
    const key = await tx.acmeEabKey.findUnique({ where: { id: keyId.trim() }, select: { id: true, issuerId: true, accountId: true, revokedAt: true, issuer: { select: { name: true } } } });
    if (!key) throw new NotFoundError("keyId", `no External Account Binding key "${keyId}"`);
    if (key.revokedAt) throw new ConflictError("keyId", `the key "${keyId}" is already revoked`);
    const now = new Date();
    await tx.acmeEabKey.update({ where: { id: key.id }, data: { revokedAt: now } });
    const deactivated = key.accountId ? (await tx.acmeAccount.updateMany({ where: { id: key.accountId, status: "valid" }, data: { status: "deactivated" } })).count > 0 : false;
    await appendAudit(tx, actor, { action: "acme.eab-key-revoke", targetType: "issuer", targetId: key.issuerId, after: { issuer: key.issuer.name, keyId: key.id, accountId: key.accountId, accountDeactivated: deactivated } });
  });
}

const unauthorized = (detail: string) => new AcmeProblem("unauthorized", detail, 403);
const malformed = (detail: string) => new AcmeProblem("malformed", detail);

function isFlattenedJws(v: unknown): v is { protected: string; payload: string; signature: string } {
  const o = v as Record<string, unknown> | null;
  return !!o && typeof o === "object" && !Array.isArray(o) && typeof o.protected === "string" && typeof o.payload === "string" && typeof o.signature === "string";
}

/**
 * Checks a newAccount request's `externalAccountBinding` (RFC 8555 7.3.4): a flattened
 * JWS, HS256 under an unused, unrevoked key of this issuer, whose protected header has
 * the key's kid and the outer request's url and no nonce, and whose payload is the
 * account's public key. Throws the ACME problem otherwise. Binding is bindEabKey's job,
 * in the transaction that creates the account.
 */
export async function verifyExternalAccountBinding(tx: Tx, issuerId: string, eab: unknown, accountJwk: JsonWebKey, url: string): Promise<{ keyId: string }> {
  if (!isFlattenedJws(eab)) throw malformed("externalAccountBinding must be a flattened JWS: {protected, payload, signature}");
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(eab);
  } catch {
    throw malformed("externalAccountBinding: the protected header is not base64url-encoded JSON");
  }
  if (header.alg !== "HS256") throw malformed(`externalAccountBinding: alg must be HS256, not ${JSON.stringify(header.alg ?? null)}`);
  if (typeof header.kid !== "string" || !header.kid) throw malformed("externalAccountBinding: the protected header needs the key identifier as kid");
  if ("nonce" in header) throw malformed("externalAccountBinding: the protected header must not carry a nonce");
  const key = await tx.acmeEabKey.findUnique({ where: { id: header.kid }, select: { id: true, issuerId: true, sealedKey: true, usedAt: true, revokedAt: true } });
  // Another issuer's key reads as unknown: a kid says nothing about other CAs.
  if (!key || key.issuerId !== issuerId) throw unauthorized(`externalAccountBinding: unknown key identifier "${header.kid}" for this CA`);
  // Unsealed outside the try: a key that does not open is the server's fault, not a bad MAC.
  const hmacKey = unsealEabKey(key);
  let payload: Uint8Array;
  try {
    ({ payload } = await flattenedVerify(eab, hmacKey, { algorithms: ["HS256"] }));
  } catch {
    throw unauthorized("externalAccountBinding: the MAC does not verify with this key");
  }
  if (key.revokedAt) throw unauthorized(`externalAccountBinding: the key "${key.id}" has been revoked`);
  if (key.usedAt) throw unauthorized(`externalAccountBinding: the key "${key.id}" is already bound to an account; each key binds one`);
  if (header.url !== url) throw unauthorized("externalAccountBinding: its url differs from the request's url");
  let bound: JWK;
  try {
    bound = JSON.parse(Buffer.from(payload).toString("utf8")) as JWK;
    if (!bound || typeof bound !== "object") throw new Error("not an object");
  } catch {
    throw malformed("externalAccountBinding: the payload is not a JWK");
  }
  const [mine, theirs] = await Promise.all([thumbprint(accountJwk as JWK), thumbprint(bound)]);
  if (!theirs || mine !== theirs) throw unauthorized("externalAccountBinding: the payload is not this account's key");
  return { keyId: key.id };
}

async function thumbprint(jwk: JWK): Promise<string | null> {
  try {
    return await calculateJwkThumbprint(jwk, "sha256");
  } catch {
    return null;
  }
}

/** Binds the key to the new account, once: a conditional update, so two racing accounts cannot both win. */
export async function bindEabKey(tx: Tx, keyId: string, accountId: string): Promise<void> {
  const { count } = await tx.acmeEabKey.updateMany({ where: { id: keyId, usedAt: null, revokedAt: null, accountId: null }, data: { usedAt: new Date(), accountId } });
  if (count !== 1) throw unauthorized(`externalAccountBinding: the key "${keyId}" is already bound to an account, or revoked`);
}
