import "server-only";
import { isRedirectError } from "next/dist/client/components/redirect-error";
import { ForbiddenError } from "@/lib/auth";
import { InputError } from "@/lib/pki/errors";

/** What every form's server action returns: field errors render beside their fields. */
export type FormState<T = unknown> =
  | { status: "idle" }
  | { status: "ok"; message?: string; data?: T }
  | { status: "error"; message: string; fieldErrors: Record<string, string> };

export const IDLE: FormState = { status: "idle" };

/** Turns a domain error into a form state; anything unexpected is logged and reported generically. */
export function formError(err: unknown): FormState<never> {
  if (isRedirectError(err)) throw err;
  if (err instanceof InputError) return { status: "error", message: err.message, fieldErrors: { [err.field]: err.message } };
  if (err instanceof ForbiddenError) return { status: "error", message: err.message, fieldErrors: {} };
  console.error(err);
  return { status: "error", message: "something went wrong on the server; nothing was changed", fieldErrors: {} };
}

export function str(form: FormData, name: string): string {
  const v = form.get(name);
  return typeof v === "string" ? v : "";
}
