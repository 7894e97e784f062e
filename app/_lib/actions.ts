import "server-only";
import { isRedirectError } from "next/dist/client/components/redirect-error";
import { ForbiddenError } from "@/lib/auth";
import { InputError } from "@/lib/pki/errors";
import type { FormState } from "./formState";

export type { FormState } from "./formState";

/**
 * What the user typed, to render back after an error: React resets a form once its
 * action completes, and losing the input on a typo is hostile. Secrets and files are
 * never echoed.
 */
export function echoValues(form: FormData | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  form?.forEach((v, k) => {
    if (typeof v === "string" && !/password|confirm|privateKey/i.test(k) && !k.startsWith("$")) out[k] = v;
  });
  return out;
}

export function fieldError(form: FormData, field: string, message: string): FormState<never> {
  return { status: "error", message, fieldErrors: { [field]: message }, values: echoValues(form) };
}

/** Turns a domain error into a form state; anything unexpected is logged and reported generically. */
export function formError(err: unknown, form?: FormData): FormState<never> {
  if (isRedirectError(err)) throw err;
  const values = echoValues(form);
  if (err instanceof InputError) return { status: "error", message: err.message, fieldErrors: { [err.field]: err.message }, values };
  if (err instanceof ForbiddenError) return { status: "error", message: err.message, fieldErrors: {}, values };
  console.error(err);
  return { status: "error", message: "something went wrong on the server; nothing was changed", fieldErrors: {}, values };
}

export function str(form: FormData, name: string): string {
  const v = form.get(name);
  return typeof v === "string" ? v : "";
}
