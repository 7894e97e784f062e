import type { z } from "zod";
import { InputError } from "./errors";

/** zod → InputError naming the first field at fault, the one shape every caller reports. */
export function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown, fallbackField = "input"): z.output<T> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new InputError(String(issue.path[0] ?? fallbackField), issue.message);
}

/** Forms send every field; an empty optional subject attribute means "absent", not "empty". */
export function withoutEmpty<T extends Record<string, string | undefined>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && v.trim() !== "")) as Partial<T>;
}
