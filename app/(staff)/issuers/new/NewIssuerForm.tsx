"use client";
import { Field, Input, Select } from "@/components/ui/Field";
import { Alert } from "@/components/ui/Card";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { useFormAction } from "@/components/ui/useFormAction";
import { KeyTypeSelect } from "@/components/KeyTypeSelect";
import { KeyStorageField } from "@/components/KeyStorageField";
import { createIssuerAction } from "../actions";

/** An issuer that may sign a new CA (lib/issuers/intermediate.ts possibleParents). */
export interface ParentOption {
  name: string;
  depth: number;
  pathLen: number | null;
  nameConstraints: string | null;
  notAfter: string;
}

export function NewIssuerForm({ parents = [], defaultParent, tokenConfigured = false }: { parents?: ParentOption[]; defaultParent?: string; tokenConfigured?: boolean }) {
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
        <KeyStorageField tokenConfigured={tokenConfigured} defaultValue={v.keyStorage} error={fe.keyStorage} />
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
      <fieldset className="rounded-md border border-slate-200 p-4">
        <legend className="px-1 text-sm font-medium text-slate-700">Place in the hierarchy</legend>
        <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
          <Field label="Signed by" name="parent" error={fe.parent} hint="A root signs itself. An intermediate is signed by the CA chosen here and cannot outlive it.">
            <Select name="parent" defaultValue={v.parent ?? defaultParent ?? ""} invalid={!!fe.parent}>
              <option value="">Nobody: a self-signed root CA</option>
              {parents.map((p) => (
                <option key={p.name} value={p.name}>
                  {"\u00a0\u00a0".repeat(p.depth)}{p.name} (until {p.notAfter.slice(0, 10)}{p.pathLen !== null ? `, path length ${p.pathLen}` : ""}{p.nameConstraints ? `, ${p.nameConstraints}` : ""})
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Path length" name="pathLength" error={fe.pathLength} hint="How many CA levels may follow below this one; 0 = it signs end-entity certificates only. Empty: no limit (below a limited parent, one less).">
            <Input name="pathLength" type="number" min={0} max={16} defaultValue={v.pathLength} invalid={!!fe.pathLength} />
          </Field>
          <Field label="Permitted DNS suffixes" name="permittedDns" error={fe.permittedDns} hint="Intermediates only. example.com allows it and every name below; .example.com only names below. Empty: as the parent allows.">
            <Input name="permittedDns" defaultValue={v.permittedDns} placeholder="devices.example.com" invalid={!!fe.permittedDns} />
          </Field>
          <Field label="Permitted IP ranges" name="permittedIp" error={fe.permittedIp} hint="Intermediates only, e.g. 10.20.0.0/16. With DNS suffixes but no ranges, no IP address is allowed.">
            <Input name="permittedIp" defaultValue={v.permittedIp} placeholder="10.20.0.0/16" invalid={!!fe.permittedIp} />
          </Field>
          <Field label="Public URL" name="publicUrl" error={fe.publicUrl} hint="Where relying parties reach this server, e.g. https://pki.example.com. Certificates this CA signs then point at …/api/repository/{name}/crl (CDP) and …/ca.crt (AIA). Empty: the parent's, else no pointers.">
            <Input name="publicUrl" type="url" defaultValue={v.publicUrl} placeholder="https://pki.example.com" invalid={!!fe.publicUrl} />
          </Field>
        </div>
      </fieldset>
      <div className="grid grid-cols-1 gap-4 md:grid-cols-3">
        <Field label="CA validity (days)" name="validityDays" error={fe.validityDays} hint="Empty: 20 years (7305 days), for an intermediate at most until its parent ends."><Input name="validityDays" type="number" min={1} defaultValue={v.validityDays} placeholder="7305" invalid={!!fe.validityDays} /></Field>
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
