import { z } from "zod";
import { appendAudit, type Actor } from "../audit";
import { db } from "../db";
import { InputError } from "../pki/errors";
import { parseOrThrow } from "../validation";
import { requirePermission, type Role } from "./roles";
import { hashSecret, newSecret } from "./tokens";

const TOKEN_PREFIX = "rl_";
const NewToken = z.object({
  name: z.string().trim().min(1, "give the token a name").max(100),
  role: z.enum(["operator", "auditor"], { error: "a token acts as operator or auditor" }),
});

export interface ApiTokenInfo {
  id: string;
  name: string;
  prefix: string;
  role: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  createdBy: string;
}

/** Returns the secret once; only its hash is stored. */
export async function createApiToken(actor: Actor & { userId: string }, input: { name: string; role: string }): Promise<{ token: string; info: ApiTokenInfo }> {
  requirePermission(actor.role, "tokens:manage");
  const data = parseOrThrow(NewToken, input, "token");
  const token = newSecret(TOKEN_PREFIX);
  return db().$transaction(async (tx) => {
    const row = await tx.apiToken.create({
      data: { name: data.name, role: data.role, tokenHash: hashSecret(token), prefix: token.slice(0, 10), userId: actor.userId },
      include: { user: true },
    });
    await appendAudit(tx, actor, { action: "api-token.create", targetType: "api-token", targetId: row.id, after: { name: row.name, role: row.role, prefix: row.prefix } });
    return { token, info: { ...row, createdBy: row.user.email } };
  });
}

export async function listApiTokens(): Promise<ApiTokenInfo[]> {
  const rows = await db().apiToken.findMany({ orderBy: { createdAt: "desc" }, include: { user: true } });
  return rows.map((r) => ({ id: r.id, name: r.name, prefix: r.prefix, role: r.role, createdAt: r.createdAt, lastUsedAt: r.lastUsedAt, revokedAt: r.revokedAt, createdBy: r.user.email }));
}

export async function revokeApiToken(actor: Actor, id: string): Promise<void> {
  requirePermission(actor.role, "tokens:manage");
  await db().$transaction(async (tx) => {
    const row = await tx.apiToken.findUnique({ where: { id } });
    if (!row) throw new InputError("id", "no such API token", 404);
    if (row.revokedAt) return;
    await tx.apiToken.update({ where: { id }, data: { revokedAt: new Date() } });
    for (const [hash, entry] of tokenCache) if (entry.id === id) tokenCache.delete(hash);
    await appendAudit(tx, actor, { action: "api-token.revoke", targetType: "api-token", targetId: id, before: { revoked: false }, after: { revoked: true } });
  });
}

export type TokenAuth = { ok: true; actor: Actor } | { ok: false; message: string };

/**
 * Successful lookups are remembered for TOKEN_CACHE_MS: a Prisma query costs ~0.5 ms here,
 * more than issuing a certificate. Revoking a token clears the cache in this process at
 * once; another process (a second app instance) honours the revocation within the TTL.
 * Kept on globalThis so server.ts's fast path and Next's bundle share one cache.
 */
export const TOKEN_CACHE_MS = 5_000;
const g = globalThis as unknown as { rootlineTokenCache?: Map<string, { until: number; actor: Actor; id: string }> };
const tokenCache = (g.rootlineTokenCache ??= new Map());

/** Authenticates an `Authorization: Bearer rl_...` header value. */
export async function authenticateBearer(header: string | null): Promise<TokenAuth> {
  if (!header) return { ok: false, message: "missing Authorization header (expected: Bearer <API token>)" };
  const m = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!m) return { ok: false, message: "malformed Authorization header (expected: Bearer <API token>)" };
  const hash = hashSecret(m[1]);
  const hit = tokenCache.get(hash);
  if (hit && hit.until > Date.now()) return { ok: true, actor: hit.actor };
  const row = await db().apiToken.findUnique({ where: { tokenHash: hash } });
  if (!row || row.revokedAt) {
    tokenCache.delete(hash);
    return { ok: false, message: "invalid or revoked API token" };
  }
  // lastUsedAt is informational; updating it at most once a minute keeps the hot path read-only.
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
    await db().apiToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } });
  }
  const actor: Actor = { kind: "token", name: row.name, role: row.role as Role };
  if (tokenCache.size > 10_000) tokenCache.clear();
  tokenCache.set(hash, { until: Date.now() + TOKEN_CACHE_MS, actor, id: row.id });
  return { ok: true, actor };
}
