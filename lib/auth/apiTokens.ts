import { z } from "zod";
import { appendAudit, appendAuditMany } from "../audit";
import { type Actor } from "./actor";
import { db, type Tx } from "../db";
import { InputError } from "../errors";
import { parseOrThrow } from "../validation";
import { requirePermission, roleWithin, type Role } from "./roles";
import { hashSecret, newSecret } from "./tokens";

const TOKEN_PREFIX = "rl_";
export const MAX_TOKEN_TTL_DAYS = 3650;
const NewToken = z.object({
  name: z.string().trim().min(1, "give the token a name").max(100),
  role: z.enum(["operator", "auditor"], { error: "a token acts as operator or auditor" }),
  // Forms send "" for "never"; the CLI sends digits.
  ttlDays: z.preprocess(
    (v) => (v === "" || v === null ? undefined : typeof v === "string" && /^\d+$/.test(v.trim()) ? Number(v) : v),
    z.number({ error: `ttlDays must be a whole number of days (1–${MAX_TOKEN_TTL_DAYS})` }).int(`ttlDays must be a whole number of days (1–${MAX_TOKEN_TTL_DAYS})`).min(1, "ttlDays must be at least 1 day").max(MAX_TOKEN_TTL_DAYS, `ttlDays is at most ${MAX_TOKEN_TTL_DAYS} days`).optional(),
  ),
});

export interface ApiTokenInfo {
  id: string;
  name: string;
  prefix: string;
  role: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  expiresAt: Date | null;
  createdBy: string;
  /** At the time it was read: revoked wins over expired. */
  status: "active" | "expired" | "revoked";
}

type Row = Omit<ApiTokenInfo, "createdBy" | "status"> & { user: { email: string } };
function info(r: Row, now = new Date()): ApiTokenInfo {
  const status = r.revokedAt ? "revoked" : r.expiresAt && r.expiresAt <= now ? "expired" : "active";
  return { id: r.id, name: r.name, prefix: r.prefix, role: r.role, createdAt: r.createdAt, lastUsedAt: r.lastUsedAt, revokedAt: r.revokedAt, expiresAt: r.expiresAt, createdBy: r.user.email, status };
}

/**
 * Returns the secret once; only its hash is stored. Every token has an owner (the user
 * creating it in the UI, or `owner` by email from the CLI): disabling the owner revokes
 * it, and it cannot act with more than the owner may.
 */
export async function createApiToken(
  actor: Actor & { userId?: string },
  input: { name: string; role: string; ttlDays?: string | number; owner?: string },
): Promise<{ token: string; info: ApiTokenInfo }> {
  requirePermission(actor.role, "tokens:manage");
  const data = parseOrThrow(NewToken, input, "token");
  const ownerEmail = input.owner?.trim().toLowerCase();
  if (!ownerEmail && !actor.userId) throw new InputError("owner", "name the user who owns the token (their email); disabling that user revokes it");
  const token = newSecret(TOKEN_PREFIX);
  return db().$transaction(async (tx) => {
    const owner = await tx.user.findUnique({ where: ownerEmail ? { email: ownerEmail } : { id: actor.userId } });
    if (!owner) throw new InputError("owner", `no user ${ownerEmail ?? actor.userId}`, 404);
    if (owner.disabledAt) throw new InputError("owner", `${owner.email} is disabled`);
    if (!roleWithin(data.role, owner.role)) throw new InputError("role", `${owner.email} (${owner.role}) cannot own a token acting as ${data.role}`);
    const expiresAt = data.ttlDays ? new Date(Date.now() + data.ttlDays * 86_400_000) : null;
    const row = await tx.apiToken.create({
      data: { name: data.name, role: data.role, tokenHash: hashSecret(token), prefix: token.slice(0, 10), userId: owner.id, expiresAt },
      include: { user: true },
    });
    await appendAudit(tx, actor, { action: "api-token.create", targetType: "api-token", targetId: row.id, after: { name: row.name, role: row.role, prefix: row.prefix, owner: owner.email, expiresAt } });
    return { token, info: info(row) };
  });
}

export async function listApiTokens(): Promise<ApiTokenInfo[]> {
  const rows = await db().apiToken.findMany({ orderBy: { createdAt: "desc" }, include: { user: true } });
  return rows.map((r) => info(r));
}

export async function revokeApiToken(actor: Actor, id: string): Promise<void> {
  requirePermission(actor.role, "tokens:manage");
  await db().$transaction(async (tx) => {
    const row = await tx.apiToken.findUnique({ where: { id } });
    if (!row) throw new InputError("id", "no such API token", 404);
    if (row.revokedAt) return;
    await revokeTokens(tx, actor, [id]);
  });
}

/** Inside the caller's transaction (disabling a user): revokes every live token the user owns. */
export async function revokeTokensOfUser(tx: Tx, actor: Actor, userId: string, reason: string): Promise<number> {
  const live = await tx.apiToken.findMany({ where: { userId, revokedAt: null }, select: { id: true } });
  if (live.length === 0) return 0;
  const ids = live.map((t) => t.id);
  await revokeTokens(tx, actor, ids, reason);
  return ids.length;
}

/** Revokes live tokens in the caller's transaction: one audit event each, and out of this process's cache at once. */
async function revokeTokens(tx: Tx, actor: Actor, ids: string[], reason?: string): Promise<void> {
  await tx.apiToken.updateMany({ where: { id: { in: ids } }, data: { revokedAt: new Date() } });
  forgetTokens(ids);
  const after = reason ? { revoked: true, reason } : { revoked: true };
  await appendAuditMany(tx, ids.map((id) => ({ actor, input: { action: "api-token.revoke" as const, targetType: "api-token", targetId: id, before: { revoked: false }, after } })));
}

export type TokenAuth = { ok: true; actor: Actor } | { ok: false; message: string };

/**
 * Successful lookups are remembered for TOKEN_CACHE_MS (never past the token's expiry): a
 * Prisma query costs ~0.5 ms here, more than issuing a certificate. Revoking a token (or
 * disabling its owner) clears the cache in this process at once; another process (a second
 * app instance) honours it within the TTL. Kept on globalThis so server.ts's fast path and
 * Next's bundle share one cache.
 */
export const TOKEN_CACHE_MS = 5_000;
const g = globalThis as unknown as { rootlineTokenCache?: Map<string, { until: number; actor: Actor; id: string }> };
const tokenCache = (g.rootlineTokenCache ??= new Map());

function forgetTokens(ids: string[]): void {
  const gone = new Set(ids);
  for (const [hash, entry] of tokenCache) if (gone.has(entry.id)) tokenCache.delete(hash);
}

/** Authenticates an `Authorization: Bearer rl_...` header value. */
export async function authenticateBearer(header: string | null): Promise<TokenAuth> {
  if (!header) return { ok: false, message: "missing Authorization header (expected: Bearer <API token>)" };
  const m = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!m) return { ok: false, message: "malformed Authorization header (expected: Bearer <API token>)" };
  const hash = hashSecret(m[1]);
  const now = Date.now();
  const hit = tokenCache.get(hash);
  if (hit && hit.until > now) return { ok: true, actor: hit.actor };
  const row = await db().apiToken.findUnique({ where: { tokenHash: hash }, include: { user: { select: { disabledAt: true } } } });
  // A disabled owner's tokens were revoked with it; checking the owner too covers rows revoked by nobody.
  const expired = !!row?.expiresAt && row.expiresAt.getTime() <= now;
  if (!row || row.revokedAt || row.user.disabledAt || expired) {
    tokenCache.delete(hash);
    return { ok: false, message: expired ? "expired API token" : "invalid or revoked API token" };
  }
  // lastUsedAt is informational; updating it at most once a minute keeps the hot path read-only.
  if (!row.lastUsedAt || now - row.lastUsedAt.getTime() > 60_000) {
    await db().apiToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date(now) } });
  }
  const actor: Actor = { kind: "token", name: row.name, role: row.role as Role };
  if (tokenCache.size > 10_000) tokenCache.clear();
  tokenCache.set(hash, { until: Math.min(now + TOKEN_CACHE_MS, row.expiresAt?.getTime() ?? Infinity), actor, id: row.id });
  return { ok: true, actor };
}
