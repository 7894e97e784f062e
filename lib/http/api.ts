import { readCappedBody } from "./body";
import { z } from "zod";
import { authenticateBearer } from "../auth/apiTokens";
import { requirePermission, type Permission } from "../auth/roles";
import type { Actor } from "../auth/actor";
import { errorResponse, InputError } from "../errors";
import { parseOrThrow } from "../validation";

/** Largest JSON body the API reads (a CSR is a few KiB). */
export const MAX_BODY_BYTES = 256 * 1024;

/** JSON with bigint serials as decimal strings (they may exceed 2^53). */
export function json(value: unknown, status = 200): Response {
  const body = JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
  return new Response(body, { status, headers: { "Content-Type": "application/json", "Cache-Control": "no-store" } });
}

/** Reads and validates a JSON body: size-capped before parsing, errors name the field. */
export async function readJson<T extends z.ZodType>(req: Request, schema: T): Promise<z.output<T>> {
  const text = await readCappedBody(req, "application/json", MAX_BODY_BYTES);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InputError("body", "the request body is not valid JSON");
  }
  // JSON may escape a lone surrogate ("\ud800"); no field of ours can hold one (SQLite refuses it).
  if (!wellFormed(parsed)) throw new InputError("body", "the request body has a string that is not valid Unicode (a lone surrogate)");
  return parseOrThrow(schema, parsed, "body");
}

type Handler<C> = (actor: Actor, req: Request, ctx: C) => Promise<Response>;

/**
 * Framework-free (Web Request/Response only): used by the Next route handlers and by the
 * plain node:http fast path in server.ts alike.
 *
 * Wraps a /api/v1 handler: bearer-token authentication, the permission check, and
 * errors answered by the one HTTP mapping (errorResponse in lib/errors.ts).
 */
export function apiRoute<C>(permission: Permission, handler: Handler<C>) {
  return async (req: Request, ctx: C): Promise<Response> => {
    try {
      // Inside the try: the lookup may record lastUsedAt, a write that can meet a busy database.
      const auth = await authenticateBearer(req.headers.get("authorization"));
      if (!auth.ok) return new Response(JSON.stringify({ error: auth.message }), { status: 401, headers: { "Content-Type": "application/json", "WWW-Authenticate": 'Bearer realm="rootline"' } });
      requirePermission(auth.actor.role, permission);
      return await handler(auth.actor, req, ctx);
    } catch (err) {
      return errorResponse(err);
    }
  };
}

function wellFormed(v: unknown): boolean {
  if (typeof v === "string") return v.isWellFormed();
  if (Array.isArray(v)) return v.every(wellFormed);
  if (v && typeof v === "object") return Object.entries(v).every(([k, x]) => k.isWellFormed() && wellFormed(x));
  return true;
}
