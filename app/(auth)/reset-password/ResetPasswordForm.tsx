"use client";
import Link from "next/link";
import { Field, Input } from "@/components/ui/Field";
import { Alert } from "@/components/ui/Card";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { useFormAction } from "@/components/ui/useFormAction";
import { resetPasswordAction } from "./actions";

export function ResetPasswordForm({ token, email }: { token: string; email: string }) {
  const { state, formAction, fe } = useFormAction(resetPasswordAction);
  if (state.status === "ok") {
    return (
      <div className="space-y-4">
        <Alert kind="success">{state.message}</Alert>
        <Link href="/signin" className="text-sm font-semibold text-indigo-700 hover:underline">Sign in</Link>
      </div>
    );
  }
  return (
    <form action={formAction} className="space-y-4">
      {/* A token problem (used meanwhile, expired) is not about a field the user can fix. */}
      {state.status === "error" && (fe.token || !Object.keys(fe).length) && <Alert>{state.message}</Alert>}
      <input type="hidden" name="token" value={token} />
      <input type="email" name="username" autoComplete="username" value={email} readOnly hidden />
      <Field label="New password" name="password" error={fe.password} hint="At least 10 characters.">
        <Input name="password" type="password" autoComplete="new-password" required invalid={!!fe.password} />
      </Field>
      <Field label="Confirm new password" name="confirm" error={fe.confirm}>
        <Input name="confirm" type="password" autoComplete="new-password" required invalid={!!fe.confirm} />
      </Field>
      <SubmitButton pendingText="Setting…">Set password</SubmitButton>
    </form>
  );
}
