"use client";
import { useState } from "react";
import { Field, Input, Select, Textarea } from "@/components/ui/Field";
import { Alert } from "@/components/ui/Card";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { FileInput } from "@/components/ui/FileInput";
import { KeyTypeSelect } from "@/components/KeyTypeSelect";
import { useFormAction } from "@/components/ui/useFormAction";
import { issueAction } from "../actions";

/** `profiles`: the ones a request may name (lib/pki/profiles.ts); the action refuses any other through lib. */
export function IssueForm({ issuers, profiles, defaultIssuer }: { issuers: string[]; profiles: { name: string; label: string }[]; defaultIssuer?: string }) {
  const { state, formAction: action, fe, v } = useFormAction(issueAction);
  const [mode, setMode] = useState<"csr" | "generate">("csr");
  const tab = (m: typeof mode, label: string) => (
    <button type="button" role="tab" aria-selected={mode === m} onClick={() => setMode(m)} className={`rounded-md px-3 py-1.5 text-sm font-medium ${mode === m ? "bg-white text-slate-900 shadow-sm" : "text-slate-600 hover:text-slate-900"}`}>
      {label}
    </button>
  );
  return (
    <form action={action} className="space-y-5">
      <div role="tablist" className="inline-flex gap-1 rounded-lg bg-slate-100 p-1">
        {tab("csr", "From a CSR")}
        {tab("generate", "Generate key on server")}
      </div>
      <input type="hidden" name="mode" value={mode} />
      {state.status === "error" && <Alert>{state.message}</Alert>}
      <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
        <Field label="Issuer" name="issuer" error={fe.issuer}>
          <Select name="issuer" defaultValue={v.issuer ?? defaultIssuer ?? issuers[0]} invalid={!!fe.issuer}>
            {issuers.map((n) => <option key={n} value={n}>{n}</option>)}
          </Select>
        </Field>
        <Field label="Profile" name="profile" error={fe.profile}>
          <Select name="profile" defaultValue={v.profile ?? profiles[0]?.name} invalid={!!fe.profile}>
            {profiles.map((p) => <option key={p.name} value={p.name}>{p.label}</option>)}
          </Select>
        </Field>
      </div>
      {mode === "csr" ? (
        <div className="space-y-3">
          <Field label="Certificate signing request (PKCS#10, PEM)" name="csr" error={fe.csr} hint="Paste it, or choose a PEM or DER file. The CSR's signature is verified.">
            <Textarea name="csr" defaultValue={v.csr} rows={8} placeholder="-----BEGIN CERTIFICATE REQUEST-----" invalid={!!fe.csr} />
          </Field>
          <FileInput name="csrFile" label="CSR file" accept=".csr,.pem,.der,.req" />
        </div>
      ) : (
        <div className="space-y-4">
          {fe.subject && <p role="alert" className="text-sm text-red-700">{fe.subject}</p>}
          <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
            <Field label="Common name (CN)" name="cn" error={fe["subject.CN"]}><Input name="cn" defaultValue={v.cn} placeholder="gateway-12.example" invalid={!!fe["subject.CN"]} /></Field>
            <Field label="Organization (O)" name="o" error={fe["subject.O"]}><Input name="o" defaultValue={v.o} invalid={!!fe["subject.O"]} /></Field>
            <Field label="Organizational unit (OU)" name="ou" error={fe["subject.OU"]}><Input name="ou" defaultValue={v.ou} invalid={!!fe["subject.OU"]} /></Field>
            <Field label="Country (C)" name="c" error={fe["subject.C"]}><Input name="c" defaultValue={v.c} invalid={!!fe["subject.C"]} /></Field>
            <Field label="Key type" name="keyType" error={fe.keyType}>
              <KeyTypeSelect defaultValue={v.keyType} invalid={!!fe.keyType} />
            </Field>
          </div>
          <p className="text-xs text-slate-500">The key is generated and sealed on the server; download it afterwards as PKCS#12 (with a password you choose) or PEM.</p>
        </div>
      )}
      <Field label="Subject alternative names" name="sans" error={fe.san} hint="Comma or space separated: DNS:host.example, IP:10.0.0.7. Empty: the CSR's requested names, else the CN.">
        <Input name="sans" defaultValue={v.sans} placeholder="DNS:printer-7.example, IP:10.1.2.3" invalid={!!fe.san} />
      </Field>
      <div className="max-w-xs">
        <Field label="Validity (days, optional)" name="validityDays" error={fe.validityDays} hint="Empty: the issuer's certificate validity (or the profile's maximum, if lower). Never past the CA's expiry.">
          <Input name="validityDays" type="number" min={1} defaultValue={v.validityDays} placeholder="issuer default" invalid={!!fe.validityDays} />
        </Field>
      </div>
      <SubmitButton pendingText="Issuing…">Issue certificate</SubmitButton>
    </form>
  );
}
