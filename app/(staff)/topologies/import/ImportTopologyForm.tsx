"use client";
import { useState, type FormEvent } from "react";
import { Field, Input, Textarea } from "@/components/ui/Field";
import { Alert } from "@/components/ui/Card";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { useFormAction } from "@/components/ui/useFormAction";
import { documentSizeError, utf8Length } from "@/lib/topologies/document";
import { importTopologyAction } from "../actions";
import { FileInput } from "@/components/ui/FileInput";

export function ImportTopologyForm() {
  const { state, formAction: action, fe, v } = useFormAction(importTopologyAction);
  const [tooLarge, setTooLarge] = useState<string | null>(null);
  // Above the server-action body limit the request is refused before the action runs (no
  // form state comes back), so the size is checked here first; the server checks it too.
  function checkSize(e: FormEvent<HTMLFormElement>) {
    const form = new FormData(e.currentTarget);
    const file = form.get("documentFile");
    const error = documentSizeError(file instanceof File && file.size > 0 ? file.size : utf8Length(String(form.get("document") ?? "")));
    setTooLarge(error);
    if (error) e.preventDefault();
  }
  return (
    <form action={action} onSubmit={checkSize} className="space-y-5">
      {state.status === "error" && !Object.keys(fe).length && <Alert>{state.message}</Alert>}
      <Field label="Name" name="name" error={fe.name}><Input name="name" defaultValue={v.name} required invalid={!!fe.name} /></Field>
      <Field label="Topology JSON" name="document" error={tooLarge ?? fe.document} hint="Or choose a file below; a file wins over pasted text.">
        <Textarea name="document" defaultValue={v.document} rows={12} placeholder='{"nodes": [{"id": "30", "direct": true}, {"id": "40"}], "links": [{"client": "40", "server": "30"}]}' invalid={!!(tooLarge ?? fe.document)} />
      </Field>
      <FileInput name="documentFile" label="Topology file" accept="application/json,.json" />
      <label className="flex items-start gap-2 text-sm">
        <input type="checkbox" name="allowDraft" defaultChecked={v.allowDraft === "on"} className="mt-0.5 h-4 w-4 accent-indigo-600" />
        <span>
          <span className="font-medium text-slate-800">Keep it as a draft if it does not validate</span>
          <span className="block text-xs text-slate-500">The editor then shows each problem on the node or link at fault. Malformed JSON is refused either way.</span>
        </span>
      </label>
      <SubmitButton pendingText="Importing…">Import</SubmitButton>
    </form>
  );
}
