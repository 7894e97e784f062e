"use client";
import { Field, Input } from "@/components/ui/Field";
import { Alert } from "@/components/ui/Card";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { useFormAction } from "@/components/ui/useFormAction";
import { CopyButton } from "@/components/ui/CopyButton";
import { createEabKeyAction } from "./actions";

/** Creates an External Account Binding key; its HMAC key is shown this once, with the certbot flags. */
export function NewEabKeyForm({ issuer, directoryUrl }: { issuer: string; directoryUrl: string }) {
  const { state, formAction, fe, v } = useFormAction<{ keyId: string; hmacKey: string }>(createEabKeyAction);
  const key = state.status === "ok" ? state.data : undefined;
  const certbot = key ? `certbot certonly --server ${directoryUrl} --eab-kid ${key.keyId} --eab-hmac-key ${key.hmacKey} -d NAME` : "";
  return (
    <form action={formAction} className="space-y-3">
      <input type="hidden" name="issuer" value={issuer} />
      {key && (
        <Alert kind="success">
          {state.status === "ok" && state.message}
          <dl className="mt-2 space-y-1 text-xs">
            <div><dt className="inline font-medium">Key identifier (kid): </dt><dd className="inline"><code data-testid="eab-kid" className="break-all font-mono text-slate-900">{key.keyId}</code></dd></div>
            <div><dt className="inline font-medium">HMAC key: </dt><dd className="inline"><code data-testid="eab-hmac" className="break-all font-mono text-slate-900">{key.hmacKey}</code></dd></div>
          </dl>
          <p className="mt-2 text-xs font-medium">certbot:</p>
          <code id="eab-certbot" data-testid="eab-certbot" className="mt-1 block break-all rounded bg-white px-2 py-1 font-mono text-xs text-slate-900">{certbot}</code>
          <CopyButton text={certbot} targetId="eab-certbot" />
        </Alert>
      )}
      {state.status === "error" && !Object.keys(fe).length && <Alert>{state.message}</Alert>}
      <div className="flex items-end gap-3">
        <div className="flex-1">
          <Field label="Label" name="label" error={fe.label}><Input name="label" defaultValue={v.label} placeholder="e.g. web-01 (who gets this key)" invalid={!!fe.label} /></Field>
        </div>
        <SubmitButton pendingText="Creating…">Create key</SubmitButton>
      </div>
    </form>
  );
}
