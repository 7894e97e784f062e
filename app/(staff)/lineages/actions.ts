"use server";
import { createLineage, nextGeneration } from "@/lib/generations/lineage";
import { actorOf, requireUser } from "@/app/_lib/session";
import { str, submitThenRedirect, type FormState } from "@/app/_lib/actions";
import { lineagePage } from "./urls";

export async function createLineageAction(_prev: FormState, form: FormData): Promise<FormState> {
  const me = await requireUser("issuers:write");
  return submitThenRedirect(form, async () => {
    const l = await createLineage(actorOf(me), {
      name: str(form, "name"),
      keyType: str(form, "keyType"),
      distributionKeyType: str(form, "distributionKeyType") || undefined,
      caValidityDays: str(form, "caValidityDays") || undefined,
      leadDays: str(form, "leadDays") || undefined,
      downloadUrlTemplate: str(form, "downloadUrlTemplate").trim(),
      keyStorage: str(form, "keyStorage") || undefined,
    });
    return lineagePage(l.name, { created: 1 });
  });
}

/** "Create next generation now": brings the schedule forward; the domain audits it (cause operator). */
export async function bringForwardAction(_prev: FormState, form: FormData): Promise<FormState> {
  const me = await requireUser("issuers:write");
  return submitThenRedirect(form, async () => {
    const name = str(form, "lineage");
    // The generation the operator saw as newest: a double click or a concurrent schedule run creates nothing twice.
    const seen = Number(str(form, "newest"));
    const c = await nextGeneration(actorOf(me), name, { cause: "operator", expectGeneration: Number.isSafeInteger(seen) ? seen : undefined });
    return lineagePage(name, { generation: c.generation });
  });
}
