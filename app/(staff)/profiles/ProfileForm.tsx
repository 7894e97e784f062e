"use client";
import { Field, Input, Select } from "@/components/ui/Field";
import { Alert } from "@/components/ui/Card";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { useFormAction } from "@/components/ui/useFormAction";
import { createProfileAction } from "./actions";

/**
 * React resets a form after its action: keyed by the echoed choices (as Select is), the
 * group mounts afresh with them, so a refused form keeps what was ticked.
 */
function Choices({ name, label, options, error, chosen }: { name: string; label: string; options: readonly string[]; error?: string; chosen?: string }) {
  const on = (chosen ?? "").split(",");
  return (
    <fieldset key={chosen ?? ""} className="space-y-1" aria-describedby={error ? `${name}-error` : undefined}>
      <legend className="text-sm font-medium text-slate-700">{label}</legend>
      <div className="flex flex-wrap gap-x-4 gap-y-1">
        {options.map((o) => (
          <label key={o} className="inline-flex items-center gap-1.5 text-sm text-slate-700">
            <input type="checkbox" name={name} value={o} defaultChecked={on.includes(o)} />
            <span className="font-mono text-xs">{o}</span>
          </label>
        ))}
      </div>
      {error && <p id={`${name}-error`} role="alert" className="text-sm text-red-700" data-field-error={name}>{error}</p>}
    </fieldset>
  );
}

export function ProfileForm({ keyUsages, extKeyUsages }: { keyUsages: readonly string[]; extKeyUsages: readonly string[] }) {
  const { state, formAction, fe, v } = useFormAction(createProfileAction);
  return (
    <form action={formAction} className="space-y-4">
      {state.status === "error" && <Alert>{state.message}</Alert>}
      {state.status === "ok" && <Alert kind="success">{state.message}</Alert>}
      <div className="grid grid-cols-1 gap-4 md:grid-cols-3">
        <Field label="Name" name="name" error={fe.name} hint="Lower-case letters, digits and dashes, e.g. smime."><Input name="name" defaultValue={v.name} invalid={!!fe.name} /></Field>
        <Field label="Description" name="description" error={fe.description}><Input name="description" defaultValue={v.description} invalid={!!fe.description} /></Field>
        <Field label="Maximum validity (days)" name="maxValidityDays" error={fe.maxValidityDays} hint="The issuer's certificate validity still applies when it is shorter.">
          <Input name="maxValidityDays" type="number" min={1} defaultValue={v.maxValidityDays} invalid={!!fe.maxValidityDays} />
        </Field>
      </div>
      <Choices name="keyUsage" label="Key usage" options={keyUsages} error={fe.keyUsage} chosen={v.keyUsage} />
      <p className="-mt-2 text-xs text-slate-500">EC keys never get keyEncipherment or dataEncipherment, RSA keys never keyAgreement. CA usages (keyCertSign, cRLSign) are not offered: profiles issue end-entity certificates.</p>
      <Choices name="extKeyUsage" label="Extended key usage" options={extKeyUsages} error={fe.extKeyUsage} chosen={v.extKeyUsage} />
      <div className="max-w-xs">
        <Field label="Subject alternative names" name="san" error={fe.allowsSan}>
          <Select name="san" defaultValue={v.san ?? "allowed"}>
            <option value="allowed">Allowed</option>
            <option value="required">Required</option>
            <option value="none">Not allowed</option>
          </Select>
        </Field>
      </div>
      <SubmitButton pendingText="Adding…">Add profile</SubmitButton>
    </form>
  );
}
