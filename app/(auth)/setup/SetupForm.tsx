"use client";
import { Field, Input } from "@/components/ui/Field";
import { Alert } from "@/components/ui/Card";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { useFormAction } from "@/components/ui/useFormAction";
import { setupAction } from "../actions";

export function SetupForm() {
  const { state, formAction: action, fe, v } = useFormAction(setupAction);
  return (
    <form action={action} className="space-y-4">
      {state.status === "error" && !Object.keys(fe).length && <Alert>{state.message}</Alert>}
      <Field label="Your name" name="name" error={fe.name}>
        <Input name="name" defaultValue={v.name} autoComplete="name" />
      </Field>
      <Field label="Email" name="email" error={fe.email}>
        <Input name="email" defaultValue={v.email} type="email" autoComplete="username" required invalid={!!fe.email} />
      </Field>
      <Field label="Password" name="password" error={fe.password} hint="At least 10 characters.">
        <Input name="password" type="password" autoComplete="new-password" required invalid={!!fe.password} />
      </Field>
      <Field label="Confirm password" name="confirm" error={fe.confirm}>
        <Input name="confirm" type="password" autoComplete="new-password" required invalid={!!fe.confirm} />
      </Field>
      <SubmitButton pendingText="Creating…">Create administrator</SubmitButton>
    </form>
  );
}
