import "server-only";
import { redirect, unstable_rethrow } from "next/navigation";
import { DatabaseBusyError, ForbiddenError, InputError, InputErrors } from "@/lib/errors";
import { MAX_OBJECT_BYTES } from "@/lib/pki/pem";
import type { FormState } from "@/components/ui/formState";

export type { FormState } from "@/components/ui/formState";

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

/**
 * THE mapping of an error to a form state (server actions, and the editor's save results
 * through it); anything unexpected is logged and reported generically. The HTTP and CLI
 * mappings are errorReply and cliFailure in lib/errors.ts.
 */
export function formError(err: unknown, form?: FormData): Extract<FormState<never>, { status: "error" }> {
  // Next's own control flow (redirect, notFound) passes through.
  unstable_rethrow(err);
  const values = echoValues(form);
  // Not about a field: the form is fine, the database was busy; the user can resubmit.
  if (err instanceof DatabaseBusyError) return { status: "error", message: err.message, fieldErrors: {}, values };
  // Several fields at fault: every one marked at once, so one resubmit can fix them all.
  if (err instanceof InputErrors) {
    return { status: "error", message: err.message, fieldErrors: Object.fromEntries(err.errors.map((e) => [e.field, e.message])), values };
  }
  if (err instanceof InputError) return { status: "error", message: err.message, fieldErrors: { [err.field]: err.message }, values };
  if (err instanceof ForbiddenError) return { status: "error", message: err.message, fieldErrors: {}, values };
  console.error(err);
  return { status: "error", message: "something went wrong on the server; nothing was changed", fieldErrors: {}, values };
}

export function str(form: FormData, name: string): string {
  const v = form.get(name);
  return typeof v === "string" ? v : "";
}

/**
 * A pasted PEM or an uploaded file (PEM or DER), size-checked before it is read. Lives
 * here, not in a "use server" file: every export of such a file becomes a callable action.
 */
export async function textOrFile(form: FormData, textField: string, fileField: string, field: string): Promise<Uint8Array | string> {
  const file = form.get(fileField);
  if (file instanceof File && file.size > 0) {
    if (file.size > MAX_OBJECT_BYTES) throw new InputError(field, `the file is too large (${file.size} bytes; at most ${MAX_OBJECT_BYTES})`, 413);
    return new Uint8Array(await file.arrayBuffer());
  }
  const text = str(form, textField).trim();
  if (!text) throw new InputError(field, "paste the PEM or choose a file");
  return text;
}

/** Runs a form's domain call: on success go where it says, on a domain error show it in the form. */
export async function submitThenRedirect(form: FormData, run: () => Promise<string>): Promise<FormState> {
  let to: string;
  try {
    to = await run();
  } catch (err) {
    return formError(err, form);
  }
  redirect(to);
}
