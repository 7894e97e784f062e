"use client";
import { Field, Input, Select, Textarea } from "@/components/ui/Field";
import { Alert } from "@/components/ui/Card";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { useFormAction } from "@/components/ui/useFormAction";
import { KeyTypeSelect } from "@/components/KeyTypeSelect";
import { issueProxyCertificateAction, savePolicyAction, saveRoutesAction } from "../actions";

/** The error of a JSON field or of any field inside it (`policy.rules[1].source`), with that path in front. */
function jsonFieldError(fe: Record<string, string>, name: string): string | undefined {
  const key = Object.keys(fe).find((k) => k === name || k.startsWith(`${name}.`) || k.startsWith(`${name}[`));
  if (!key) return undefined;
  return key === name ? fe[key] : `${key}: ${fe[key]}`;
}

const POLICY_EXAMPLE = `{
  "default": "allow",
  "rules": [
    { "source": "10.20.0.0/16", "route": "billing", "answer": "deny" },
    { "subject": "*.meters.example", "answer": "allow" }
  ]
}`;

export function PolicyForm({ id, text }: { id: string; text: string }) {
  const { state, formAction, fe, v } = useFormAction(savePolicyAction);
  const error = jsonFieldError(fe, "policy");
  return (
    <form action={formAction} className="space-y-3" aria-label="Policy">
      <input type="hidden" name="id" value={id} />
      {state.status === "error" && !error && <Alert>{state.message}</Alert>}
      <Field
        label="Policy (JSON)"
        name="policy"
        error={error}
        hint={<>First matching rule wins. A rule matches on <code>subject</code> (the client certificate&apos;s DN, CN or a SAN; <code>*.</code> wildcards), <code>source</code> (IP or CIDR) and <code>route</code>; all given must match. Empty: the proxy keeps its own policy file.</>}
      >
        <Textarea name="policy" rows={12} spellCheck={false} defaultValue={v.policy ?? text} placeholder={POLICY_EXAMPLE} invalid={!!error} />
      </Field>
      <SubmitButton pendingText="Saving…">Save policy</SubmitButton>
    </form>
  );
}

const ROUTES_EXAMPLE = `[
  { "name": "billing", "listen": "0.0.0.0:8443", "upstream": "billing.example:443", "servername": "billing.example" }
]`;

export function RoutesForm({ id, text }: { id: string; text: string }) {
  const { state, formAction, fe, v } = useFormAction(saveRoutesAction);
  const error = jsonFieldError(fe, "routes");
  return (
    <form action={formAction} className="space-y-3" aria-label="Routes">
      <input type="hidden" name="id" value={id} />
      {state.status === "error" && !error && <Alert>{state.message}</Alert>}
      <Field label="Routes (JSON)" name="routes" error={error} hint="What this proxy is configured with: listen address → upstream HOST:PORT, and the name sent as SNI. Kept here for the record; the proxy reads its own flags or --config file.">
        <Textarea name="routes" rows={6} spellCheck={false} defaultValue={v.routes ?? text} placeholder={ROUTES_EXAMPLE} invalid={!!error} />
      </Field>
      <SubmitButton pendingText="Saving…">Save routes</SubmitButton>
    </form>
  );
}

export function IssueCertificateForm({ id, issuers, defaultIssuer, renew }: { id: string; issuers: string[]; defaultIssuer: string | null; renew: boolean }) {
  const { state, formAction, fe, v } = useFormAction(issueProxyCertificateAction);
  return (
    <form action={formAction} className="space-y-3" aria-label="Issue proxy certificate">
      <input type="hidden" name="id" value={id} />
      {state.status === "error" && !fe.issuer && !fe.keyType && !fe.san && <Alert>{state.message}</Alert>}
      <div className="grid grid-cols-1 gap-3 md:grid-cols-2">
        <Field label="Issuing CA" name="issuer" error={fe.issuer} hint="The CA the upstream servers trust for client certificates.">
          <Select name="issuer" defaultValue={v.issuer ?? defaultIssuer ?? issuers[0]} invalid={!!fe.issuer}>
            {issuers.map((n) => <option key={n} value={n}>{n}</option>)}
          </Select>
        </Field>
        <Field label="Key type" name="keyType" error={fe.keyType}>
          <KeyTypeSelect defaultValue={v.keyType} invalid={!!fe.keyType} />
        </Field>
      </div>
      <Field label="Subject alternative names" name="sans" error={fe.san} hint="Optional: DNS:… or IP:…, for clients that reach the proxy over TLS (--client-tls) by name.">
        <Input name="sans" defaultValue={v.sans} placeholder="DNS:proxy.site-a.example" invalid={!!fe.san} />
      </Field>
      <SubmitButton pendingText="Issuing…" variant={renew ? "secondary" : "primary"}>Issue proxy certificate</SubmitButton>
    </form>
  );
}
