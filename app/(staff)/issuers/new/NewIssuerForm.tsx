"use client";
import { Field, Input } from "@/components/ui/Field";
import { Alert } from "@/components/ui/Card";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { useFormAction } from "@/components/ui/useFormAction";
import { KeyTypeSelect } from "@/components/KeyTypeSelect";
import { createIssuerAction } from "../actions";

export function NewIssuerForm() {
  const { state, formAction: action, fe, v } = useFormAction(createIssuerAction);
  return (
    <form action={action} className="space-y-6">
      {state.status === "error" && <Alert>{state.message}</Alert>}
      <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
        <Field label="Name" name="name" error={fe.name} hint="Used in device URLs: /api/repository/{name}/…">
          <Input name="name" defaultValue={v.name} required placeholder="fleet-ca" invalid={!!fe.name} />
        </Field>
        <Field label="Key type" name="keyType" error={fe.keyType}>
          <KeyTypeSelect defaultValue={v.keyType} invalid={!!fe.keyType} />
        </Field>
      </div>
      <fieldset className="rounded-md border border-slate-200 p-4">
        <legend className="px-1 text-sm font-medium text-slate-700">Subject</legend>
        {fe.subject && <p role="alert" className="mb-3 text-sm text-red-700">{fe.subject}</p>}
        <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
          <Field label="Common name (CN)" name="cn" hint="Defaults to the issuer name." error={fe["subject.CN"]}><Input name="cn" defaultValue={v.cn} placeholder="Fleet Root CA" invalid={!!fe["subject.CN"]} /></Field>
          <Field label="Organization (O)" name="o" error={fe["subject.O"]}><Input name="o" defaultValue={v.o} invalid={!!fe["subject.O"]} /></Field>
          <Field label="Organizational unit (OU)" name="ou" error={fe["subject.OU"]}><Input name="ou" defaultValue={v.ou} invalid={!!fe["subject.OU"]} /></Field>
          <Field label="Country (C)" name="c" hint="Two letters, e.g. DE." error={fe["subject.C"]}><Input name="c" defaultValue={v.c} invalid={!!fe["subject.C"]} /></Field>
        </div>
      </fieldset>
      <div className="grid grid-cols-1 gap-4 md:grid-cols-3">
        <Field label="CA validity (days)" name="validityDays" error={fe.validityDays}><Input name="validityDays" type="number" min={1} defaultValue={v.validityDays ?? 7305} invalid={!!fe.validityDays} /></Field>
        <Field label="Certificate validity (days)" name="certValidityDays" error={fe.certValidityDays} hint="The same for every certificate (13 months = 396 days).">
          <Input name="certValidityDays" type="number" min={1} defaultValue={v.certValidityDays ?? 396} invalid={!!fe.certValidityDays} />
        </Field>
        <Field label="First serial" name="firstSerial" error={fe.firstSerial} hint="Serials grow from here; the revocation number starts at 0.">
          <Input name="firstSerial" inputMode="numeric" defaultValue={v.firstSerial ?? "1"} invalid={!!fe.firstSerial} />
        </Field>
      </div>
      <SubmitButton pendingText="Generating key…">Create issuer</SubmitButton>
    </form>
  );
}
