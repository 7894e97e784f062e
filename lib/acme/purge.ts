import { db } from "../db";

/**
 * Housekeeping for the ACME tables (the hourly job, lib/jobs.ts): expired nonces, and
 * orders that never produced a certificate a week after they expired (their
 * authorizations and challenges go with them). Valid orders stay: they tie a certificate
 * to the account that may revoke it and renew it with the same identifiers.
 */
export const DEAD_ORDER_RETENTION_MS = 7 * 24 * 3600_000;

export async function purgeAcme(now = new Date()): Promise<{ nonces: number; orders: number }> {
  const nonces = await db().acmeNonce.deleteMany({ where: { expiresAt: { lte: now } } });
  const orders = await db().acmeOrder.deleteMany({ where: { status: { not: "valid" }, expires: { lte: new Date(now.getTime() - DEAD_ORDER_RETENTION_MS) } } });
  return { nonces: nonces.count, orders: orders.count };
}
