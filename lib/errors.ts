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

/** A rejected value for an error message: strings quoted, anything else (bigint included) by type. */
export function shown(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 80 ? v.slice(0, 80) + "…" : v);
  if (v === null || v === undefined || typeof v === "number" || typeof v === "boolean") return String(v);
  return `a ${typeof v}`;
}
