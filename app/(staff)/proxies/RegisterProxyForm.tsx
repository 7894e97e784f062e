"use client";
import { Field, Input, Select } from "@/components/ui/Field";
import { Alert } from "@/components/ui/Card";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { useFormAction } from "@/components/ui/useFormAction";
import { registerProxyAction } from "./actions";

export function RegisterProxyForm({ issuers }: { issuers: string[] }) {
  const { state, formAction, fe, v } = useFormAction(registerProxyAction);
  return (
    <form action={formAction} className="space-y-4" aria-label="Register proxy">
      {state.status === "error" && !Object.keys(state.fieldErrors).length && <Alert>{state.message}</Alert>}
      <div className="grid grid-cols-1 gap-4 md:grid-cols-3">
        <Field label="Name" name="name" error={fe.name} hint="The proxy reports with this name (--name); its certificate's CN.">
          <Input name="name" defaultValue={v.name} required placeholder="site-a-proxy" invalid={!!fe.name} />
        </Field>
        <Field label="Upstream issuer" name="issuer" error={fe.issuer} hint="The CA whose revocation data the proxy checks upstream servers against.">
          <Select name="issuer" defaultValue={v.issuer ?? ""} invalid={!!fe.issuer}>
            <option value="">— not recorded —</option>
            {issuers.map((n) => <option key={n} value={n}>{n}</option>)}
          </Select>
        </Field>
        <Field label="Description" name="description" error={fe.description} hint="Where it runs, what it fronts.">
          <Input name="description" defaultValue={v.description} placeholder="Hall 3: printers and meters" invalid={!!fe.description} />
        </Field>
      </div>
      <SubmitButton pendingText="Registering…">Register proxy</SubmitButton>
    </form>
  );
}
