"use server";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { createFirstAdministrator, safeNextPath, signIn, signOut, SESSION_COOKIE, SESSION_MAX_MS } from "@/lib/auth";
import { clientIp } from "../_lib/session";
import { echoValues, fieldError, formError, str, type FormState } from "../_lib/actions";

async function setSessionCookie(token: string) {
  (await cookies()).set(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: "strict",
    secure: process.env.ROOTLINE_SECURE_COOKIES === "1",
    path: "/",
    // The server ends the session earlier when idle; the cookie need not outlive it.
    maxAge: Math.floor(SESSION_MAX_MS / 1000),
  });
}

export async function signInAction(_prev: FormState, form: FormData): Promise<FormState> {
  const email = str(form, "email");
  const password = str(form, "password");
  if (!email) return fieldError(form, "email", "enter your email");
  if (!password) return fieldError(form, "password", "enter your password");
  const r = await signIn(email, password, await clientIp());
  if (!r.ok) return { status: "error", message: r.message, fieldErrors: {}, values: echoValues(form) };
  await setSessionCookie(r.token);
  // Only same-origin paths: an open redirect would let a link send staff anywhere after sign-in.
  redirect(safeNextPath(str(form, "next")));
}

export async function setupAction(_prev: FormState, form: FormData): Promise<FormState> {
  try {
    if (str(form, "password") !== str(form, "confirm")) {
      return fieldError(form, "confirm", "the passwords do not match");
    }
    const user = await createFirstAdministrator({ email: str(form, "email"), name: str(form, "name"), password: str(form, "password") });
    const r = await signIn(user.email, str(form, "password"), await clientIp());
    if (r.ok) await setSessionCookie(r.token);
  } catch (err) {
    return formError(err, form);
  }
  redirect("/");
}

export async function signOutAction(): Promise<void> {
  const jar = await cookies();
  await signOut(jar.get(SESSION_COOKIE)?.value);
  jar.delete(SESSION_COOKIE);
  redirect("/signin");
}
