"use client";
import { Field, Input, Select } from "@/components/ui/Field";
import { Alert } from "@/components/ui/Card";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { useFormAction } from "@/components/ui/useFormAction";
import { createTokenAction } from "./actions";

export function NewTokenForm() {
  const { state, formAction: action, fe, v } = useFormAction<{ token: string }>(createTokenAction);
  return (
    <form action={action} className="space-y-4">
      {state.status === "ok" && (
        <Alert kind="success">
          {state.message}
          <code data-testid="new-token" className="mt-2 block break-all rounded bg-white px-2 py-1 font-mono text-xs text-slate-900">{state.data?.token}</code>
        </Alert>
      )}
      {state.status === "error" && !Object.keys(fe).length && <Alert>{state.message}</Alert>}
      <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
        <Field label="Token name" name="name" error={fe.name}><Input name="name" defaultValue={v.name} placeholder="e.g. provisioning pipeline" invalid={!!fe.name} /></Field>
        <Field label="Acts as" name="role" error={fe.role}>
          <Select name="role" defaultValue={v.role ?? "operator"}>
            <option value="operator">Operator (issue, revoke)</option>
            <option value="auditor">Auditor (read-only)</option>
          </Select>
        </Field>
      </div>
      <SubmitButton>Create token</SubmitButton>
    </form>
  );
}
