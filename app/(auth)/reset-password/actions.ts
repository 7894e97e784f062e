"use server";
import { resetPasswordWithLink } from "@/lib/auth";
import { fieldError, formError, str, type FormState } from "@/app/_lib/actions";

/** No session needed: the link's token is the credential, and it works once. */
export async function resetPasswordAction(_prev: FormState, form: FormData): Promise<FormState> {
  if (str(form, "password") !== str(form, "confirm")) return fieldError(form, "confirm", "the passwords do not match");
  try {
    const r = await resetPasswordWithLink(str(form, "token"), str(form, "password"));
    return { status: "ok", message: `The password of ${r.email} is set. Every earlier session has ended; sign in with the new password.` };
  } catch (err) {
    return formError(err, form);
  }
}
