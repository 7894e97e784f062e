"use client";
import { Field, Input, Textarea } from "@/components/ui/Field";
import { Alert } from "@/components/ui/Card";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { FileInput } from "@/components/ui/FileInput";
import { useFormAction } from "@/components/ui/useFormAction";
import { importIssuerAction } from "../actions";

export function ImportIssuerForm() {
  const { state, formAction: action, fe, v } = useFormAction(importIssuerAction);
  return (
    <form action={action} className="space-y-5">
      {state.status === "error" && <Alert>{state.message}</Alert>}
      <Field label="Name" name="name" error={fe.name}><Input name="name" defaultValue={v.name} required invalid={!!fe.name} /></Field>
      <Field label="CA certificate (PEM)" name="certificate" error={fe.certificate} hint="Or choose a PEM/DER file below.">
        <Textarea name="certificate" defaultValue={v.certificate} rows={6} placeholder="-----BEGIN CERTIFICATE-----" invalid={!!fe.certificate} />
      </Field>
      <FileInput name="certificateFile" label="CA certificate file" accept=".pem,.crt,.cer,.der" />
      <Field label="Private key (PEM: PKCS#8, SEC 1 or PKCS#1, unencrypted)" name="privateKey" error={fe.privateKey}>
        <Textarea name="privateKey" rows={6} placeholder="-----BEGIN PRIVATE KEY-----" invalid={!!fe.privateKey} />
      </Field>
      <FileInput name="privateKeyFile" label="Private key file" accept=".pem,.key,.der" />
      <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
        <Field label="Certificate validity (days)" name="certValidityDays" error={fe.certValidityDays}><Input name="certValidityDays" type="number" defaultValue={v.certValidityDays ?? 396} /></Field>
        <Field
          label="First serial"
          name="firstSerial"
          error={fe.firstSerial}
          hint="Required: a number above every serial this CA has already issued (see its last certificate or its serial file). Rootline cannot know them, and a serial used twice under one CA makes two certificates indistinguishable to CRLs and revocation numbers."
        >
          <Input name="firstSerial" defaultValue={v.firstSerial ?? ""} required inputMode="numeric" placeholder="e.g. 100000" invalid={!!fe.firstSerial} />
        </Field>
      </div>
      <label className="flex items-start gap-2 text-sm">
        <input type="checkbox" name="rollover" defaultChecked={v.rollover === "on"} className="mt-1" />
        <span>
          This CA is the next generation of an issuer with the same subject (a key rollover). Without this, a subject that is already an
          issuer&apos;s is refused; a key that is already an issuer&apos;s is always refused.
        </span>
      </label>
      <SubmitButton pendingText="Importing…">Import issuer</SubmitButton>
    </form>
  );
}
