"use client";
import { Field, Input, Select } from "@/components/ui/Field";
import { Alert } from "@/components/ui/Card";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { useFormAction } from "@/components/ui/useFormAction";
import { createTokenAction } from "./actions";
import { CopyButton } from "@/components/ui/CopyButton";

export function NewTokenForm() {
  const { state, formAction: action, fe, v } = useFormAction<{ token: string }>(createTokenAction);
  return (
    <form action={action} className="space-y-4">
      {state.status === "ok" && (
        <Alert kind="success">
          {state.message}
          <code id="new-token" data-testid="new-token" className="mt-2 block break-all rounded bg-white px-2 py-1 font-mono text-xs text-slate-900">{state.data?.token}</code>
          {state.data?.token && <CopyButton text={state.data.token} targetId="new-token" />}
        </Alert>
      )}
      {state.status === "error" && !Object.keys(fe).length && <Alert>{state.message}</Alert>}
      <div className="grid grid-cols-1 gap-4 md:grid-cols-3">
        <Field label="Token name" name="name" error={fe.name}><Input name="name" defaultValue={v.name} placeholder="e.g. provisioning pipeline" invalid={!!fe.name} /></Field>
        <Field label="Acts as" name="role" error={fe.role}>
          <Select name="role" defaultValue={v.role ?? "operator"}>
            <option value="operator">Operator (issue, revoke)</option>
            <option value="auditor">Auditor (read-only)</option>
          </Select>
        </Field>
        <Field label="Expires after" name="ttlDays" error={fe.ttlDays}>
          <Select name="ttlDays" defaultValue={v.ttlDays ?? "90"}>
            <option value="30">30 days</option>
            <option value="90">90 days</option>
            <option value="365">1 year</option>
            <option value="">Never</option>
          </Select>
        </Field>
      </div>
      <SubmitButton>Create token</SubmitButton>
    </form>
  );
}
