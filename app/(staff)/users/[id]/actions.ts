"use server";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { createPasswordResetLink, resetPath, setUserRole, signOutEverywhere } from "@/lib/auth";
import { actorOf, requireUser } from "@/app/_lib/session";
import { formError, str, type FormState } from "@/app/_lib/actions";
import { count } from "@/lib/plural";

export async function setRoleAction(_prev: FormState, form: FormData): Promise<FormState> {
  const me = await requireUser("users:manage");
  const userId = str(form, "userId");
  try {
    const u = await setUserRole(actorOf(me), { id: userId }, str(form, "role"));
    revalidatePath("/users");
    // Stepping down from administrator: this page is no longer theirs to see.
    if (u.id === me.id && u.role !== "administrator") redirect("/");
    return { status: "ok", message: `${u.email} is now an ${u.role}` };
  } catch (err) {
    return formError(err, form);
  }
}

/** The link's token is in the result only: shown once, never stored or logged in clear. */
export async function resetLinkAction(_prev: FormState<{ path: string; expiresAt: string }>, form: FormData): Promise<FormState<{ path: string; expiresAt: string }>> {
  const me = await requireUser("users:manage");
  try {
    const r = await createPasswordResetLink(actorOf(me), str(form, "userId"));
    return { status: "ok", message: `One-time link for ${r.email}. It is shown only now; send it out of band.`, data: { path: resetPath(r.token), expiresAt: r.expiresAt.toISOString() } };
  } catch (err) {
    return formError(err, form);
  }
}

export async function endSessionsAction(_prev: FormState, form: FormData): Promise<FormState> {
  const me = await requireUser("users:manage");
  try {
    const r = await signOutEverywhere(actorOf(me), str(form, "userId"));
    revalidatePath(`/users/${str(form, "userId")}`);
    return { status: "ok", message: `ended ${count(r.sessionsEnded, "session")}` };
  } catch (err) {
    return formError(err, form);
  }
}
