"use client";
import { Field, Input } from "@/components/ui/Field";
import { Alert } from "@/components/ui/Card";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { useFormAction } from "@/components/ui/useFormAction";
import { signInAction } from "../actions";

export function SignInForm({ next }: { next: string }) {
  const { state, formAction: action, fe, v } = useFormAction(signInAction);
  return (
    <form action={action} className="space-y-4">
      {state.status === "error" && !Object.keys(fe).length && <Alert>{state.message}</Alert>}
      <input type="hidden" name="next" value={next} />
      <Field label="Email" name="email" error={fe.email}>
        <Input name="email" defaultValue={v.email} type="email" autoComplete="username" required invalid={!!fe.email} />
      </Field>
      <Field label="Password" name="password" error={fe.password}>
        <Input name="password" type="password" autoComplete="current-password" required invalid={!!fe.password} />
      </Field>
      <SubmitButton pendingText="Signing in…">Sign in</SubmitButton>
    </form>
  );
}
