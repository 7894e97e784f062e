"use server";
import { revalidatePath } from "next/cache";
import { createEabKey, revokeEabKey } from "@/lib/acme/eab";
import { setAcmePolicy } from "@/lib/acme/policy";
import { createEstSecret } from "@/lib/est/secrets";
import { ConflictError } from "@/lib/errors";
import { actorOf, requireUser } from "@/app/_lib/session";
import { formError, str, type FormState } from "@/app/_lib/actions";

const issuerPage = (name: string) => `/issuers/${encodeURIComponent(name)}`;

export async function setAcmePolicyAction(_prev: FormState, form: FormData): Promise<FormState> {
  const me = await requireUser("issuers:write");
  const issuer = str(form, "issuer");
  try {
    await setAcmePolicy(actorOf(me), issuer, {
      enabled: str(form, "enabled") === "on",
      allowDns: str(form, "allowDns"),
      allowIp: str(form, "allowIp"),
      profile: str(form, "profile") || null,
      requireEab: str(form, "requireEab") === "on",
    });
    revalidatePath(issuerPage(issuer));
    return { status: "ok", message: "ACME policy saved" };
  } catch (err) {
    return formError(err, form);
  }
}

export async function createEabKeyAction(_prev: FormState<{ keyId: string; hmacKey: string }>, form: FormData): Promise<FormState<{ keyId: string; hmacKey: string }>> {
  const me = await requireUser("issuers:write");
  const issuer = str(form, "issuer");
  try {
    const key = await createEabKey(actorOf(me), issuer, str(form, "label"));
    revalidatePath(issuerPage(issuer));
    return { status: "ok", message: "key created; copy the HMAC key now, it is not shown again", data: key };
  } catch (err) {
    return formError(err, form);
  }
}

export async function revokeEabKeyAction(form: FormData): Promise<void> {
  const me = await requireUser("issuers:write");
  try {
    await revokeEabKey(actorOf(me), str(form, "keyId"));
  } catch (err) {
    // Revoked meanwhile (another tab, the CLI): what was asked for is so.
    if (!(err instanceof ConflictError)) throw err;
  }
  revalidatePath(issuerPage(str(form, "issuer")));
}

export async function createEstSecretAction(_prev: FormState<{ secret: string; prefix: string }>, form: FormData): Promise<FormState<{ secret: string; prefix: string }>> {
  const me = await requireUser("issuers:write");
  const issuer = str(form, "issuer");
  try {
    const s = await createEstSecret(actorOf(me), issuer);
    revalidatePath(issuerPage(issuer));
    return { status: "ok", message: "new enrolment secret; copy it now, it is not shown again (the previous one no longer works)", data: s };
  } catch (err) {
    return formError(err, form);
  }
}
