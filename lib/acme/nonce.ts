import { randomBytes } from "node:crypto";
import { db } from "../db";

/**
 * Replay nonces (RFC 8555 6.5), stored in AcmeNonce so any app instance can check a nonce
 * another one issued. Consumed with a single DELETE: of two requests racing with the same
 * nonce, exactly one deletes the row. Expired rows go with the periodic purge (purge.ts).
 */
export const NONCE_LIFETIME_MS = 60 * 60_000;

export async function newNonce(now = new Date()): Promise<string> {
  const value = randomBytes(16).toString("base64url");
  await db().acmeNonce.create({ data: { value, expiresAt: new Date(now.getTime() + NONCE_LIFETIME_MS) } });
  return value;
}

/** True when the nonce was issued here, not yet used and not expired; afterwards it is used up. */
export async function consumeNonce(value: string, now = new Date()): Promise<boolean> {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(value)) return false;
  const { count } = await db().acmeNonce.deleteMany({ where: { value, expiresAt: { gt: now } } });
  return count === 1;
}
