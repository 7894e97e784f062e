"use server";
import { revalidatePath } from "next/cache";
import { createUser, setUserDisabled } from "@/lib/auth";
import { actorOf, requireUser } from "@/app/_lib/session";
import { formError, str, type FormState } from "@/app/_lib/actions";

export async function createUserAction(_prev: FormState, form: FormData): Promise<FormState> {
  const me = await requireUser("users:manage");
  try {
    const u = await createUser(actorOf(me), { email: str(form, "email"), name: str(form, "name"), role: str(form, "role"), password: str(form, "password") });
    revalidatePath("/users");
    return { status: "ok", message: `created ${u.email} (${u.role})` };
  } catch (err) {
    return formError(err, form);
  }
}

export async function setDisabledAction(form: FormData): Promise<void> {
  const me = await requireUser("users:manage");
  await setUserDisabled(actorOf(me), str(form, "userId"), str(form, "disabled") === "1");
  revalidatePath("/users");
}
