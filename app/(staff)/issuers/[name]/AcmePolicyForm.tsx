"use client";
import { Field, Select, Textarea } from "@/components/ui/Field";
import { Alert } from "@/components/ui/Card";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { useFormAction } from "@/components/ui/useFormAction";
import { setAcmePolicyAction } from "./actions";

export interface PolicyValues {
  enabled: boolean;
  allowDns: string[];
  allowIp: string[];
  profile: string | null;
  requireEab: boolean;
}

/** The issuer's ACME policy: which names it certifies for ACME clients, with which profile. */
export function AcmePolicyForm({ issuer, policy, profiles }: { issuer: string; policy: PolicyValues; profiles: { name: string; description: string }[] }) {
  const { state, formAction, fe, v } = useFormAction(setAcmePolicyAction);
  const checked = (name: "enabled" | "requireEab") => (state.status === "error" ? v[name] === "on" : policy[name]);
  return (
    <form action={formAction} className="space-y-4" data-testid="acme-policy-form">
      <input type="hidden" name="issuer" value={issuer} />
      {state.status === "ok" && <Alert kind="success">{state.message}</Alert>}
      {state.status === "error" && !Object.keys(fe).length && <Alert>{state.message}</Alert>}
      <label className="flex items-center gap-2 text-sm font-medium text-slate-700">
        <input type="checkbox" name="enabled" defaultChecked={checked("enabled")} key={`e${String(checked("enabled"))}`} className="h-4 w-4 rounded border-slate-300" />
        ACME clients may request certificates from this CA
      </label>
      <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
        <Field label="Domain names it certifies" name="allowDns" error={fe.allowDns} hint={<>One suffix per line. <code>example.com</code> covers it and every name below it; <code>.example.com</code> only the names below.</>}>
          <Textarea name="allowDns" rows={3} defaultValue={v.allowDns ?? policy.allowDns.join("\n")} placeholder="app.example.com" invalid={!!fe.allowDns} />
        </Field>
        <Field label="IP ranges it certifies" name="allowIp" error={fe.allowIp} hint="One range per line, e.g. 10.0.0.0/8 or 2001:db8::/32. Empty: no IP addresses.">
          <Textarea name="allowIp" rows={3} defaultValue={v.allowIp ?? policy.allowIp.join("\n")} placeholder="10.0.0.0/8" invalid={!!fe.allowIp} />
        </Field>
      </div>
      <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
        <Field label="Certificate profile" name="profile" error={fe.profile}>
          <Select name="profile" defaultValue={v.profile ?? policy.profile ?? ""} invalid={!!fe.profile}>
            <option value="">server (default)</option>
            {profiles.filter((p) => p.name !== "server").map((p) => <option key={p.name} value={p.name}>{p.name} — {p.description}</option>)}
          </Select>
        </Field>
        <label className="flex items-center gap-2 self-end pb-2 text-sm text-slate-700">
          <input type="checkbox" name="requireEab" defaultChecked={checked("requireEab")} key={`r${String(checked("requireEab"))}`} className="h-4 w-4 rounded border-slate-300" />
          New ACME accounts need an account binding key (EAB)
        </label>
      </div>
      <SubmitButton pendingText="Saving…">Save ACME policy</SubmitButton>
    </form>
  );
}
