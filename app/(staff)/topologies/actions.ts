"use server";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { InputError } from "@/lib/errors";
import { createTopology, deleteTopology, importTopology, renameTopology, saveTopologyDocument } from "@/lib/topologies";
import { documentSizeError, parseDocumentText } from "@/lib/topologies/document";
import { inWords } from "@/components/topology/model/wording";
import { fig46 } from "@/lib/topologies/samples";
import type { TopologyError } from "@/lib/rotation";
import { actorOf, requireUser } from "@/app/_lib/session";
import { formError, str, type FormState } from "@/app/_lib/actions";

export async function createTopologyAction(_prev: FormState, form: FormData): Promise<FormState> {
  const me = await requireUser("topologies:write");
  let id: string;
  try {
    const start = str(form, "start");
    id = (await createTopology(actorOf(me), { name: str(form, "name"), document: start === "fig46" ? fig46() : undefined })).id;
  } catch (err) {
    return formError(err, form);
  }
  redirect(`/topologies/${id}`);
}

/** Pasted JSON or an uploaded file; the file wins when both are given. */
async function documentText(form: FormData): Promise<string> {
  const file = form.get("documentFile");
  if (file instanceof File && file.size > 0) {
    const tooLarge = documentSizeError(file.size);
    if (tooLarge) throw new InputError("document", tooLarge, 413);
    return file.text();
  }
  return str(form, "document");
}

export async function importTopologyAction(_prev: FormState, form: FormData): Promise<FormState> {
  const me = await requireUser("topologies:write");
  let id: string;
  let text = "";
  try {
    text = await documentText(form);
    const t = await importTopology(actorOf(me), { name: str(form, "name"), text, allowDraft: form.get("allowDraft") === "on" });
    id = t.id;
  } catch (err) {
    return formError(inOperatorWords(err, text), form);
  }
  redirect(`/topologies/${id}`);
}

/** The service names links and nodes by JSON path (the API's words); the form names them by their ids. */
function inOperatorWords(err: unknown, text: string): unknown {
  if (!(err instanceof InputError) || err.field !== "document") return err;
  const parsed = parseDocumentText(text);
  return parsed.ok ? new InputError(err.field, inWords(parsed.document, err.message), err.status) : err;
}

export async function deleteTopologyAction(form: FormData): Promise<void> {
  const me = await requireUser("topologies:write");
  await deleteTopology(actorOf(me), str(form, "id"));
  revalidatePath("/topologies");
}

export type SaveResult =
  | { ok: true; updatedAt: string; errors: TopologyError[] }
  | { ok: false; message: string; conflict: boolean };

/** The form-state mapping (formError, which also lets Next's redirects through), as the editor's result. */
function failure(err: unknown): { ok: false; message: string; conflict: boolean } {
  return { ok: false, message: formError(err).message, conflict: err instanceof InputError && err.status === 409 };
}

/** The editor's Save: the whole document, refused if someone saved a newer version meanwhile. */
export async function saveTopologyAction(id: string, document: unknown, expectedUpdatedAt: string): Promise<SaveResult> {
  const me = await requireUser("topologies:write");
  try {
    // No revalidatePath: it would re-render this page and reset the editor (and its undo
    // history); the list is dynamic and reads fresh data when visited.
    const t = await saveTopologyDocument(actorOf(me), id, document, { expectedUpdatedAt });
    return { ok: true, updatedAt: t.updatedAt.toISOString(), errors: t.errors };
  } catch (err) {
    return failure(err);
  }
}

export type RenameResult = { ok: true; name: string; updatedAt: string } | { ok: false; message: string; conflict: boolean };

export async function renameTopologyAction(id: string, name: string, expectedUpdatedAt: string): Promise<RenameResult> {
  const me = await requireUser("topologies:write");
  try {
    const t = await renameTopology(actorOf(me), id, name, { expectedUpdatedAt });
    return { ok: true, name: t.name, updatedAt: t.updatedAt.toISOString() };
  } catch (err) {
    return failure(err);
  }
}
