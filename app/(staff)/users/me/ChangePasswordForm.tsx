"use client";
import { Field, Input } from "@/components/ui/Field";
import { Alert } from "@/components/ui/Card";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { useFormAction } from "@/components/ui/useFormAction";
import { changePasswordAction } from "./actions";

export function ChangePasswordForm({ email }: { email: string }) {
  const { state, formAction, fe } = useFormAction(changePasswordAction);
  return (
    <form action={formAction} className="space-y-4">
      {state.status === "ok" && <Alert kind="success">{state.message}</Alert>}
      {state.status === "error" && !Object.keys(fe).length && <Alert>{state.message}</Alert>}
      {/* For password managers: which account this is. */}
      <input type="email" name="username" autoComplete="username" value={email} readOnly hidden />
      <Field label="Current password" name="current" error={fe.current}>
        <Input name="current" type="password" autoComplete="current-password" required invalid={!!fe.current} />
      </Field>
      <Field label="New password" name="next" error={fe.next} hint="At least 10 characters.">
        <Input name="next" type="password" autoComplete="new-password" required invalid={!!fe.next} />
      </Field>
      <Field label="Confirm new password" name="confirm" error={fe.confirm}>
        <Input name="confirm" type="password" autoComplete="new-password" required invalid={!!fe.confirm} />
      </Field>
      <SubmitButton pendingText="Changing…">Change password</SubmitButton>
    </form>
  );
}
