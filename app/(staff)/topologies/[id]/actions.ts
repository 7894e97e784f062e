"use server";
import { revalidatePath } from "next/cache";
import { bindGroup, resumeRun, startRun } from "@/lib/rotation-run";
import { actorOf, requireUser } from "@/app/_lib/session";
import { formError, str, submitThenRedirect, type FormState } from "@/app/_lib/actions";

/** A whole number typed in a form; empty means "the default". Anything else is passed on for startRun to refuse with its field. */
function optionalNumber(form: FormData, name: string): number | undefined {
  const s = str(form, name).trim();
  return s === "" ? undefined : Number(s);
}

/** Binds a root key group of the topology to an issuer (the root the next run replaces). */
export async function bindGroupAction(_prev: FormState, form: FormData): Promise<FormState> {
  const me = await requireUser("topologies:write");
  try {
    const r = await bindGroup(actorOf(me), { topology: str(form, "topology"), group: str(form, "group"), issuer: str(form, "issuer") });
    revalidatePath(`/topologies/${r.topologyId}`);
    return { status: "ok", message: `Group ${r.group} is bound to ${r.issuer}.` };
  } catch (err) {
    return formError(err, form);
  }
}

/** Starts a rotation run and opens its page. */
export async function startRunAction(_prev: FormState, form: FormData): Promise<FormState> {
  const me = await requireUser("topologies:write");
  return submitThenRedirect(form, async () => {
    const { id } = await startRun(actorOf(me), {
      topology: str(form, "topology"),
      group: str(form, "group") || undefined,
      mode: str(form, "mode") || undefined,
      schedule: str(form, "schedule") || undefined,
      mergeClientSteps: form.get("merge-client-steps") === "on",
      maxFailures: optionalNumber(form, "max-failures"),
      taskTimeoutS: optionalNumber(form, "task-timeout-s"),
    });
    return `/topologies/${encodeURIComponent(str(form, "topologyId"))}/runs/${encodeURIComponent(id)}`;
  });
}

/** Resumes a failed run: its failed tasks' counters reset, and sending starts again. */
export async function resumeRunAction(_prev: FormState, form: FormData): Promise<FormState> {
  const me = await requireUser("topologies:write");
  try {
    await resumeRun(actorOf(me), str(form, "runId"));
    revalidatePath(`/topologies/${str(form, "topologyId")}`);
    return { status: "ok", message: "Resumed: the failed tasks are being sent again." };
  } catch (err) {
    return formError(err, form);
  }
}
