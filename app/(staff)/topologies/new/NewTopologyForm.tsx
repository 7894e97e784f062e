"use client";
import { Field, Input, Select } from "@/components/ui/Field";
import { Alert } from "@/components/ui/Card";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { useFormAction } from "@/components/ui/useFormAction";
import { createTopologyAction } from "../actions";

export function NewTopologyForm() {
  const { state, formAction: action, fe, v } = useFormAction(createTopologyAction);
  return (
    <form action={action} className="max-w-xl space-y-5">
      {state.status === "error" && !Object.keys(fe).length && <Alert>{state.message}</Alert>}
      <Field label="Name" name="name" error={fe.name}><Input name="name" defaultValue={v.name} required invalid={!!fe.name} placeholder="e.g. Plant A meters" /></Field>
      <Field label="Start with" name="start" hint="The example has two servers reached by the CA and four clients, one of them a client of both servers.">
        <Select name="start" defaultValue={v.start ?? "empty"}>
          <option value="empty">an empty canvas</option>
          <option value="fig46">an example: two servers, four clients</option>
        </Select>
      </Field>
      <SubmitButton pendingText="Creating…">Create and open the editor</SubmitButton>
    </form>
  );
}
