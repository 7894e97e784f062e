"use client";
import { Field, Select } from "@/components/ui/Field";
import { Alert } from "@/components/ui/Card";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { useFormAction } from "@/components/ui/useFormAction";
import { CopyButton } from "@/components/ui/CopyButton";
import { endSessionsAction, resetLinkAction, setRoleAction } from "./actions";

function Outcome({ state }: { state: { status: string; message?: string } }) {
  if (state.status === "ok" && state.message) return <Alert kind="success">{state.message}</Alert>;
  if (state.status === "error") return <Alert>{state.message}</Alert>;
  return null;
}

export function RoleForm({ userId, role }: { userId: string; role: string }) {
  const { state, formAction, v } = useFormAction(setRoleAction);
  return (
    <form action={formAction} className="space-y-4">
      <Outcome state={state} />
      <input type="hidden" name="userId" value={userId} />
      <Field label="Role" name="role" hint="There is always at least one active administrator: the last one cannot be demoted.">
        <Select name="role" defaultValue={v.role ?? role}>
          <option value="administrator">Administrator — everything, including users</option>
          <option value="operator">Operator — issue, revoke, topologies</option>
          <option value="auditor">Auditor — read-only and audit log</option>
        </Select>
      </Field>
      <SubmitButton pendingText="Saving…">Change role</SubmitButton>
    </form>
  );
}

export function ResetLinkForm({ userId }: { userId: string }) {
  const { state, formAction } = useFormAction(resetLinkAction);
  // Rendered only after the action ran in this browser, so window is there.
  const link = state.status === "ok" && state.data ? `${window.location.origin}${state.data.path}` : null;
  return (
    <form action={formAction} className="space-y-4">
      {state.status === "error" && <Alert>{state.message}</Alert>}
      {link && state.status === "ok" && (
        <Alert kind="success">
          {state.message}
          <code id="reset-link" data-testid="reset-link" className="mt-2 block break-all rounded bg-white px-2 py-1 font-mono text-xs text-slate-900">{link}</code>
          <span className="mt-1 block text-xs">Works once, until {state.data?.expiresAt.replace("T", " ").slice(0, 16)} UTC. Using it signs the user out everywhere.</span>
          <CopyButton text={link} targetId="reset-link" />
        </Alert>
      )}
      <input type="hidden" name="userId" value={userId} />
      <p className="text-sm text-slate-600">Makes a one-time link that lets the user set a new password without signing in. It replaces any earlier unused link and expires after 24 hours.</p>
      <SubmitButton variant="secondary" pendingText="Making link…">Make reset link</SubmitButton>
    </form>
  );
}

export function EndSessionsForm({ userId, active }: { userId: string; active: number }) {
  const { state, formAction } = useFormAction(endSessionsAction);
  return (
    <form action={formAction} className="space-y-4">
      <Outcome state={state} />
      <input type="hidden" name="userId" value={userId} />
      <p className="text-sm text-slate-600">
        <span data-testid="active-sessions">{active}</span> active session{active === 1 ? "" : "s"}. Ending them signs the user out in every browser; their API tokens stay (disable the account to revoke those).
      </p>
      <SubmitButton variant="danger" pendingText="Signing out…">Sign out everywhere</SubmitButton>
    </form>
  );
}
