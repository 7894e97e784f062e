"use server";
import { revalidatePath } from "next/cache";
import { createApiToken, revokeApiToken } from "@/lib/auth";
import { actorOf, requireUser } from "@/app/_lib/session";
import { formError, str, type FormState } from "@/app/_lib/actions";

export async function createTokenAction(_prev: FormState<{ token: string }>, form: FormData): Promise<FormState<{ token: string }>> {
  const me = await requireUser("tokens:manage");
  try {
    const { token, info } = await createApiToken(actorOf(me), { name: str(form, "name"), role: str(form, "role"), ttlDays: str(form, "ttlDays") });
    revalidatePath("/tokens");
    return { status: "ok", message: `token "${info.name}" created; copy it now, it is not shown again`, data: { token } };
  } catch (err) {
    return formError(err, form);
  }
}

export async function revokeTokenAction(form: FormData): Promise<void> {
  const me = await requireUser("tokens:manage");
  await revokeApiToken(actorOf(me), str(form, "id"));
  revalidatePath("/tokens");
}
