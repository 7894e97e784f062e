import type { z } from "zod";
import { InputError, InputErrors } from "./errors";

/**
 * zod → InputError naming the first field at fault, the one shape every caller reports;
 * when several fields are wrong, an InputErrors with one entry per field (first issue each).
 */
export function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown, fallbackField = "input"): z.output<T> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const byField = new Map<string, string>();
  for (const issue of r.error.issues) {
    const field = String(issue.path[0] ?? fallbackField);
    if (!byField.has(field)) byField.set(field, issue.message);
  }
  if (byField.size === 1) {
    const [[field, message]] = byField;
    throw new InputError(field, message);
  }
  throw new InputErrors([...byField].map(([field, message]) => ({ field, message })));
}

type Results<T extends readonly (() => unknown)[]> = { [K in keyof T]: T[K] extends () => infer R ? R : never };

/**
 * Runs independent checks and reports every InputError among them at once (one pass for
 * the person filling a form), not just the first; other errors pass through.
 */
export function checkAll<T extends readonly (() => unknown)[]>(...checks: T): Results<T> {
  const failed: InputError[] = [];
  const out = checks.map((check) => {
    try {
      return check();
    } catch (err) {
      return collect(err, failed);
    }
  });
  throwCollected(failed);
  return out as Results<T>;
}

type AsyncResults<T extends readonly (() => unknown)[]> = { [K in keyof T]: T[K] extends () => infer R ? Awaited<R> : never };

/** checkAll for checks that await (parsing a key, matching it to a certificate). */
export async function checkAllAsync<T extends readonly (() => unknown)[]>(...checks: T): Promise<AsyncResults<T>> {
  const failed: InputError[] = [];
  const out = await Promise.all(checks.map((check) => Promise.resolve().then(check).catch((err: unknown) => collect(err, failed))));
  throwCollected(failed);
  return out as AsyncResults<T>;
}

function collect(err: unknown, failed: InputError[]): undefined {
  if (!(err instanceof InputError) || err.status !== 400) throw err;
  failed.push(err);
  return undefined;
}

function throwCollected(failed: InputError[]): void {
  // One failure keeps its own shape (its field is what the API and the CLI report).
  if (failed.length === 1) throw failed[0];
  if (failed.length > 1) throw new InputErrors(failed.flatMap((e) => (e instanceof InputErrors ? e.errors : [{ field: e.field, message: e.message }])), failed[0].field);
}

/** Forms send every field; an empty optional subject attribute means "absent", not "empty". */
export function withoutEmpty<T extends Record<string, string | undefined>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && v.trim() !== "")) as Partial<T>;
}
