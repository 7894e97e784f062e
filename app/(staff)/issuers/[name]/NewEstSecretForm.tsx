"use client";
import { Alert } from "@/components/ui/Card";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { useFormAction } from "@/components/ui/useFormAction";
import { CopyButton } from "@/components/ui/CopyButton";
import { createEstSecretAction } from "./actions";

/** A new EST enrolment secret for the issuer, shown once; it replaces the previous one. */
export function NewEstSecretForm({ issuer }: { issuer: string }) {
  const { state, formAction } = useFormAction<{ secret: string; prefix: string }>(createEstSecretAction);
  return (
    <form action={formAction} className="space-y-3">
      <input type="hidden" name="issuer" value={issuer} />
      {state.status === "ok" && state.data && (
        <Alert kind="success">
          {state.message}
          <code id="est-secret" data-testid="est-secret" className="mt-2 block break-all rounded bg-white px-2 py-1 font-mono text-xs text-slate-900">{state.data.secret}</code>
          <CopyButton text={state.data.secret} targetId="est-secret" />
        </Alert>
      )}
      {state.status === "error" && <Alert>{state.message}</Alert>}
      <SubmitButton variant="secondary" pendingText="Creating…">New enrolment secret</SubmitButton>
    </form>
  );
}
