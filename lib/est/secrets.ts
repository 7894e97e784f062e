import crypto from "node:crypto";
import { appendAudit } from "../audit";
import type { Actor } from "../auth/actor";
import { requirePermission } from "../auth/roles";
import { hashSecret, newSecret } from "../auth/tokens";
import { db } from "../db";
import { issuerByName } from "../store/state";

/**
 * EST enrolment secrets (docs/EST.md): one current secret per issuer, which a device sends
 * as the password of HTTP Basic user `est` to `simpleenroll`. 32 random bytes, so a SHA-256
 * hash at rest suffices (no slow hash); shown once when created. A new one revokes the
 * previous one, so rotating it is how staff cut a leaked secret off.
 */
const SECRET_PREFIX = "est_";
/** What the UI shows to recognise a secret: its first characters. */
const PREFIX_LENGTH = 10;

export async function createEstSecret(actor: Actor, issuerName: string): Promise<{ secret: string; prefix: string }> {
  requirePermission(actor.role, "issuers:write");
  const secret = newSecret(SECRET_PREFIX);
  const prefix = secret.slice(0, PREFIX_LENGTH);
  return db().$transaction(async (tx) => {
    const issuer = await issuerByName(tx, issuerName, { id: true, name: true });
    const previous = await tx.estSecret.findFirst({ where: { issuerId: issuer.id, revokedAt: null }, orderBy: { createdAt: "desc" }, select: { prefix: true } });
    await tx.estSecret.updateMany({ where: { issuerId: issuer.id, revokedAt: null }, data: { revokedAt: new Date() } });
    await tx.estSecret.create({ data: { issuerId: issuer.id, secretHash: hashSecret(secret), prefix, createdBy: `${actor.kind}:${actor.name}` } });
    await appendAudit(tx, actor, { action: "est.secret-create", targetType: "issuer", targetId: issuer.id, after: { issuer: issuer.name, prefix, replaced: previous?.prefix ?? null } });
    return { secret, prefix };
  });
}

/** The issuer's current secret (never the secret itself), or null when it has none. */
export async function estSecretStatus(issuerName: string): Promise<{ prefix: string; createdAt: Date; lastUsedAt: Date | null } | null> {
  const issuer = await issuerByName(db(), issuerName, { id: true });
  return db().estSecret.findFirst({ where: { issuerId: issuer.id, revokedAt: null }, orderBy: { createdAt: "desc" }, select: { prefix: true, createdAt: true, lastUsedAt: true } });
}

/**
 * The current secret's prefix when `secret` is the issuer's current secret, else null.
 * Hashes are compared in constant time; its use is noted (at most once a minute).
 */
export async function checkEstSecret(issuerId: string, secret: string): Promise<{ prefix: string } | null> {
  const row = await db().estSecret.findFirst({ where: { issuerId, revokedAt: null }, orderBy: { createdAt: "desc" }, select: { id: true, secretHash: true, prefix: true, lastUsedAt: true } });
  if (!row) return null;
  if (!crypto.timingSafeEqual(Buffer.from(hashSecret(secret), "hex"), Buffer.from(row.secretHash, "hex"))) return null;
  const now = Date.now();
  if (!row.lastUsedAt || now - row.lastUsedAt.getTime() > 60_000) await db().estSecret.update({ where: { id: row.id }, data: { lastUsedAt: new Date(now) } });
  return { prefix: row.prefix };
}
