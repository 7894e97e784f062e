"use client";
import { Field, Input, Select } from "@/components/ui/Field";
import { Alert } from "@/components/ui/Card";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { useFormAction } from "@/components/ui/useFormAction";
import { createUserAction } from "./actions";

export function NewUserForm() {
  const { state, formAction: action, fe, v } = useFormAction(createUserAction);
  return (
    <form action={action} className="grid grid-cols-1 gap-4 md:grid-cols-2">
      <div className="md:col-span-2">
        {state.status === "ok" && <Alert kind="success">{state.message}</Alert>}
        {state.status === "error" && !Object.keys(fe).length && <Alert>{state.message}</Alert>}
      </div>
      <Field label="Email" name="email" error={fe.email}><Input name="email" defaultValue={v.email} type="email" required invalid={!!fe.email} /></Field>
      <Field label="Name" name="name" error={fe.name}><Input name="name" defaultValue={v.name} /></Field>
      <Field label="Role" name="role" error={fe.role}>
        <Select name="role" defaultValue={v.role ?? "operator"} invalid={!!fe.role}>
          <option value="administrator">Administrator — everything, including users</option>
          <option value="operator">Operator — issue, revoke, topologies</option>
          <option value="auditor">Auditor — read-only and audit log</option>
        </Select>
      </Field>
      <Field label="Initial password" name="password" error={fe.password} hint="At least 10 characters; share it out of band.">
        <Input name="password" type="password" autoComplete="new-password" required invalid={!!fe.password} />
      </Field>
      <div className="md:col-span-2"><SubmitButton>Create user</SubmitButton></div>
    </form>
  );
}
