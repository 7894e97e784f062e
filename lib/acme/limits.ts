import type { Tx } from "../db";
import { AcmeProblem } from "./problem";
import type { Identifier } from "./identifiers";

/**
 * ACME rate limits (RFC 8555 6.6), kept in the database so every instance counts the same
 * orders, and checked inside newOrder's transaction (the write lock), so two racing orders
 * cannot both take the last slot:
 * - new orders per account per hour: ROOTLINE_ACME_ORDERS_PER_HOUR (300);
 * - failed validations per account and identifier per hour:
 *   ROOTLINE_ACME_FAILED_VALIDATIONS_PER_HOUR (5). Each validation is an HTTP request the CA
 *   makes to the device's name, so a client whose http-01 keeps failing is stopped rather
 *   than turning the CA into a request generator.
 * 0 turns a limit off. A refused order gets `rateLimited` (429) with Retry-After: the seconds
 * until the oldest counted attempt leaves the hour.
 */
export const WINDOW_MS = 3600_000;

export interface AcmeLimits {
  ordersPerHour: number;
  failedValidationsPerHour: number;
}

const DEFAULTS: AcmeLimits = { ordersPerHour: 300, failedValidationsPerHour: 5 };

/** The limits from the environment; a malformed value is an operator's error, named (500 at the first order). */
export function acmeLimits(env: Readonly<Record<string, string | undefined>> = process.env): AcmeLimits {
  const read = (name: string, fallback: number) => {
    const v = env[name]?.trim();
    if (v === undefined || v === "") return fallback;
    if (!/^\d{1,9}$/.test(v)) throw new AcmeProblem("serverInternal", `${name} must be a whole number (0 turns the limit off), not "${v}"`, 500);
    return Number(v);
  };
  return { ordersPerHour: read("ROOTLINE_ACME_ORDERS_PER_HOUR", DEFAULTS.ordersPerHour), failedValidationsPerHour: read("ROOTLINE_ACME_FAILED_VALIDATIONS_PER_HOUR", DEFAULTS.failedValidationsPerHour) };
}

function limited(detail: string, oldest: Date, now: Date): AcmeProblem {
  const seconds = Math.max(1, Math.ceil((oldest.getTime() + WINDOW_MS - now.getTime()) / 1000));
  return new AcmeProblem("rateLimited", `${detail}; retry after ${seconds} s`, 429, {}, { "Retry-After": String(seconds) });
}

/** Refuses a new order over either limit (call inside the order's transaction). */
export async function checkOrderLimits(tx: Tx, accountId: string, ids: readonly Identifier[], limits: AcmeLimits, now: Date): Promise<void> {
  const since = new Date(now.getTime() - WINDOW_MS);
  if (limits.ordersPerHour > 0) {
    const recent = await tx.acmeOrder.findMany({ where: { accountId, createdAt: { gt: since } }, orderBy: { createdAt: "desc" }, take: limits.ordersPerHour, select: { createdAt: true } });
    if (recent.length >= limits.ordersPerHour) throw limited(`this account created ${limits.ordersPerHour} orders within the last hour (ROOTLINE_ACME_ORDERS_PER_HOUR)`, recent.at(-1)!.createdAt, now);
  }
  if (limits.failedValidationsPerHour > 0) {
    for (const id of ids) {
      const failed = await tx.acmeAuthorization.findMany({
        where: { identifierType: id.type, identifierValue: id.value, status: "invalid", createdAt: { gt: since }, order: { accountId } },
        orderBy: { createdAt: "desc" },
        take: limits.failedValidationsPerHour,
        select: { createdAt: true },
      });
      if (failed.length >= limits.failedValidationsPerHour) {
        throw limited(`validation of ${id.type}:${id.value} failed ${limits.failedValidationsPerHour} times for this account within the last hour (ROOTLINE_ACME_FAILED_VALIDATIONS_PER_HOUR); fix what serves the challenge first`, failed.at(-1)!.createdAt, now);
      }
    }
  }
}
