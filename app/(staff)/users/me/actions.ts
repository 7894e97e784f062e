"use server";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { changeOwnPassword, signOutEverywhere, SESSION_COOKIE } from "@/lib/auth";
import { actorOf, requireUser } from "@/app/_lib/session";
import { formError, str, type FormState } from "@/app/_lib/actions";
import { count } from "@/lib/plural";

export async function changePasswordAction(_prev: FormState, form: FormData): Promise<FormState> {
  const me = await requireUser();
  try {
    if (str(form, "next") !== str(form, "confirm")) return { status: "error", message: "the new passwords do not match", fieldErrors: { confirm: "the new passwords do not match" }, values: {} };
    const jar = await cookies();
    const r = await changeOwnPassword(actorOf(me), { current: str(form, "current"), next: str(form, "next"), keepSessionToken: jar.get(SESSION_COOKIE)?.value });
    return { status: "ok", message: `Password changed.${r.sessionsEnded ? ` Signed out ${count(r.sessionsEnded, "other session")}.` : ""}` };
  } catch (err) {
    return formError(err, form);
  }
}

/** Ends every session of the signed-in user, this one included. */
export async function signOutEverywhereAction(): Promise<void> {
  const me = await requireUser();
  await signOutEverywhere(actorOf(me), me.id);
  (await cookies()).delete(SESSION_COOKIE);
  redirect("/signin");
}
