"use server";
import { revalidatePath } from "next/cache";
import { createProfile } from "@/lib/profiles/service";
import { actorOf, requireUser } from "@/app/_lib/session";
import { formError, str, type FormState } from "@/app/_lib/actions";

export async function createProfileAction(_prev: FormState, form: FormData): Promise<FormState> {
  const me = await requireUser("profiles:manage");
  try {
    const san = str(form, "san");
    const p = await createProfile(actorOf(me), {
      name: str(form, "name"),
      description: str(form, "description"),
      keyUsage: form.getAll("keyUsage").map(String),
      extKeyUsage: form.getAll("extKeyUsage").map(String),
      maxValidityDays: str(form, "maxValidityDays"),
      requiresSan: san === "required",
      allowsSan: san !== "none",
    });
    revalidatePath("/profiles");
    return { status: "ok", message: `profile "${p.name}" added; it can be chosen when issuing` };
  } catch (err) {
    const st = formError(err, form);
    // The echo keeps one value per name; the checkbox groups need all of theirs back.
    return { ...st, values: { ...st.values, keyUsage: form.getAll("keyUsage").join(","), extKeyUsage: form.getAll("extKeyUsage").join(",") } };
  }
}
