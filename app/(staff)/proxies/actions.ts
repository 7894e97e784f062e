"use server";
import { redirect } from "next/navigation";
import { z } from "zod";
import { deleteProxy, issueProxyCertificate, registerProxy, setProxyPolicy, updateProxy } from "@/lib/proxies";
import { parseOrThrow } from "@/lib/validation";
import { actorOf, requireUser } from "@/app/_lib/session";
import { str, submitThenRedirect, type FormState } from "@/app/_lib/actions";

// The form's shape (strings of sane size); the domain checks what they mean and names the field.
const text = (max: number) => z.string().max(max, `at most ${max} characters`);
const RegisterForm = z.object({ name: text(100), description: text(1000), issuer: text(100) });
const IdForm = z.object({ id: text(40).min(1, "which proxy?") });
const RoutesForm = IdForm.extend({ routes: text(64_000) });
const PolicyForm = IdForm.extend({ policy: text(256_000) });
const IssueForm = IdForm.extend({ issuer: text(100), keyType: text(20), sans: text(2000) });

const fields = (form: FormData, names: string[]) => Object.fromEntries(names.map((n) => [n, str(form, n)]));
const page = (id: string, saved: string) => `/proxies/${encodeURIComponent(id)}?saved=${saved}`;

export async function registerProxyAction(_prev: FormState, form: FormData): Promise<FormState> {
  const me = await requireUser("certificates:write");
  return submitThenRedirect(form, async () => {
    const f = parseOrThrow(RegisterForm, fields(form, ["name", "description", "issuer"]));
    const p = await registerProxy(actorOf(me), f);
    return page(p.id, "registered");
  });
}

export async function saveRoutesAction(_prev: FormState, form: FormData): Promise<FormState> {
  const me = await requireUser("certificates:write");
  return submitThenRedirect(form, async () => {
    const f = parseOrThrow(RoutesForm, fields(form, ["id", "routes"]));
    await updateProxy(actorOf(me), f.id, { routes: f.routes });
    return page(f.id, "routes");
  });
}

export async function savePolicyAction(_prev: FormState, form: FormData): Promise<FormState> {
  const me = await requireUser("certificates:write");
  return submitThenRedirect(form, async () => {
    const f = parseOrThrow(PolicyForm, fields(form, ["id", "policy"]));
    await setProxyPolicy(actorOf(me), f.id, f.policy);
    return page(f.id, "policy");
  });
}

export async function issueProxyCertificateAction(_prev: FormState, form: FormData): Promise<FormState> {
  const me = await requireUser("certificates:write");
  return submitThenRedirect(form, async () => {
    const f = parseOrThrow(IssueForm, fields(form, ["id", "issuer", "keyType", "sans"]));
    await issueProxyCertificate(actorOf(me), f.id, { issuer: f.issuer, keyType: f.keyType, sans: f.sans });
    return page(f.id, "certificate");
  });
}

export async function deleteProxyAction(form: FormData): Promise<void> {
  const me = await requireUser("certificates:write");
  const f = parseOrThrow(IdForm, fields(form, ["id"]));
  await deleteProxy(actorOf(me), f.id);
  redirect("/proxies");
}
