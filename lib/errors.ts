import type { Permission } from "./auth/roles";

/**
 * A domain error that names the input field at fault, so the UI can show it beside
 * the field, the API can return it as JSON and the CLI can print it.
 */
export class InputError extends Error {
  constructor(
    public readonly field: string,
    message: string,
    public readonly status: number = 400,
  ) {
    super(message);
    this.name = "InputError";
  }
}

/**
 * Several fields at fault at once, so a form can mark every one in a single pass. It is
 * the first of them as far as the HTTP and CLI mappings' `field` goes, and its message
 * names them all; forms read `errors`, whose fields may be finer than `field`
 * (`subject.C` under `subject`).
 */
export class InputErrors extends InputError {
  constructor(
    public readonly errors: readonly { field: string; message: string }[],
    field = errors[0].field,
  ) {
    super(field, errors.length === 1 ? errors[0].message : errors.map((e) => `${e.field}: ${e.message}`).join("; "), 400);
    this.name = "InputErrors";
  }
}

export class NotFoundError extends InputError {
  constructor(field: string, message: string) {
    super(field, message, 404);
    this.name = "NotFoundError";
  }
}

export class ConflictError extends InputError {
  constructor(field: string, message: string) {
    super(field, message, 409);
    this.name = "ConflictError";
  }
}

/**
 * The database's write lock stayed taken (another process is writing) past the busy
 * deadline. Nothing was written; the request can be retried. An InputError with status
 * 503 so every mapping answers "unavailable" rather than 500; the API adds Retry-After.
 */
export class DatabaseBusyError extends InputError {
  constructor(
    message = "the database is busy (another process holds its write lock); nothing was changed, try again shortly",
    public readonly retryAfterSeconds = 2,
  ) {
    super("database", message, 503);
    this.name = "DatabaseBusyError";
  }
}

/**
 * The role lacks a permission (SPEC 6). Not an InputError: no field of the request is
 * at fault, so forms show it as a general message and the API body names no field.
 */
export class ForbiddenError extends Error {
  readonly status = 403;
  constructor(public readonly permission: Permission) {
    super(`your role does not allow this (${permission})`);
    this.name = "ForbiddenError";
  }
}

/** Said when the error is none of ours (a bug, a disk error): details go to the log only. */
export const INTERNAL_ERROR_MESSAGE = "internal error; nothing was changed";

/** An HTTP error answer, framework-free: node:http (lib/http/repository.ts) and Web Response alike. */
export interface ErrorReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * THE mapping of an error to HTTP: `{error, field}` JSON (docs/openapi.yaml) with the
 * error's 4xx status; 403 `{error}` for a missing permission; 503 + Retry-After for a busy
 * database; anything else is logged once and answered 500 with a generic message.
 */
export function errorReply(err: unknown): ErrorReply {
  const headers: Record<string, string> = { "Content-Type": "application/json", "Cache-Control": "no-store" };
  if (err instanceof InputError) {
    if (err instanceof DatabaseBusyError) headers["Retry-After"] = String(err.retryAfterSeconds);
    return { status: err.status, headers, body: JSON.stringify(err.field ? { error: err.message, field: err.field } : { error: err.message }) };
  }
  if (err instanceof ForbiddenError) return { status: 403, headers, body: JSON.stringify({ error: err.message }) };
  console.error(err);
  return { status: 500, headers, body: JSON.stringify({ error: INTERNAL_ERROR_MESSAGE }) };
}

/** `errorReply` as a Web Response, for route handlers. */
export function errorResponse(err: unknown): Response {
  const r = errorReply(err);
  return new Response(r.body, { status: r.status, headers: r.headers });
}

/**
 * THE mapping of an error to the CLI: the line for stderr and the exit code. 2 for bad
 * input (any InputError, not found and conflict included: the arguments named something
 * that cannot be done), 75 (EX_TEMPFAIL) for a busy database so a script can retry, 1 for
 * a missing permission or anything unexpected.
 */
export function cliFailure(err: unknown): { exitCode: number; message: string } {
  if (err instanceof DatabaseBusyError) return { exitCode: 75, message: `rootline: ${err.message}` };
  if (err instanceof InputError) return { exitCode: 2, message: `rootline: ${err.field}: ${err.message}` };
  return { exitCode: 1, message: `rootline: ${err instanceof Error ? err.message : String(err)}` };
}

/** A rejected value for an error message: strings quoted, anything else (bigint included) by type. */
export function shown(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 80 ? v.slice(0, 80) + "…" : v);
  if (v === null || v === undefined || typeof v === "number" || typeof v === "boolean") return String(v);
  return `a ${typeof v}`;
}
