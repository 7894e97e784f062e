"use client";
import Link from "next/link";
import { useActionState, useState } from "react";
import { Badge, Alert } from "@/components/ui/Card";
import { Button } from "@/components/ui/Button";
import { Textarea } from "@/components/ui/Field";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { formValues, type FormState } from "@/components/ui/formState";
import { excludeAction, renewAction } from "./actions";
import type { RenewalRowData } from "./types";
import { FileInput } from "@/components/ui/FileInput";

const td = "px-4 py-2.5 align-top text-slate-800";

/** One holder of a pending revocation, with the operator's two ways to settle it. */
export function RenewalRow({ row, canWrite }: { row: RenewalRowData; canWrite: boolean }) {
  const [open, setOpen] = useState<"renew" | "exclude" | null>(null);
  const c = row.cert;
  return (
    <>
      <tr data-testid={`renewal-row-${row.serial}`} className={open ? "bg-slate-50" : "hover:bg-slate-50"}>
        <td className={`${td} whitespace-nowrap font-mono`}>
          {c ? <Link className="text-indigo-700 hover:underline" href={`/certificates/${c.id}`}>{row.serial}</Link> : row.serial}
        </td>
        {/* Subject and SANs share a cell so the actions stay in view on narrow screens. */}
        <td className={`${td} max-w-md`}>
          <span className="block truncate" title={c?.subject}>{c?.subject ?? "—"}</span>
          {c?.sans && <span className="block truncate text-xs text-slate-500" title={c.sans}>{c.sans}</span>}
        </td>
        <td className={`${td} whitespace-nowrap`}>{c?.notAfter ?? "—"}</td>
        {/* Wraps: a note under the badge must not push the actions out of view. */}
        <td className={`${td} min-w-40`}>
          <span className="inline-flex flex-wrap items-center gap-1.5">
            {row.isTarget && <Badge tone="red">revoked serial</Badge>}
            <State row={row} />
          </span>
        </td>
        <td className={`${td} whitespace-nowrap text-right`}>
          {canWrite && row.state === "awaiting" && (
            <span className="inline-flex flex-wrap justify-end gap-2">
              <Button type="button" variant="secondary" className="px-2.5! py-1! text-xs!" aria-expanded={open === "renew"} onClick={() => setOpen(open === "renew" ? null : "renew")}>
                Renew by hand…
              </Button>
              <Button type="button" variant="secondary" className="px-2.5! py-1! text-xs!" aria-expanded={open === "exclude"} onClick={() => setOpen(open === "exclude" ? null : "exclude")}>
                Exclude (server stopped)…
              </Button>
            </span>
          )}
        </td>
      </tr>
      {/* Settled meanwhile (the dashboard refreshes itself): the form has nothing left to do. */}
      {open && row.state === "awaiting" && (
        <tr className="bg-slate-50">
          <td colSpan={5} className="px-4 pb-4 pt-1">
            {open === "renew" ? <RenewForm row={row} onCancel={() => setOpen(null)} /> : <ExcludeForm row={row} onCancel={() => setOpen(null)} />}
          </td>
        </tr>
      )}
    </>
  );
}

/** How a renewal was authenticated, in the operator's words. */
const VIA: Record<string, string> = {
  token: "with its one-time token",
  "proof-of-possession": "signed with its current key",
  operator: "by an operator",
  "generated-key": "new server-generated key",
};

function State({ row }: { row: RenewalRowData }) {
  if (row.state === "awaiting") {
    return (
      <span className="inline-flex flex-col items-start gap-0.5">
        <Badge tone="amber">awaiting renewal</Badge>
        {row.proofRefused && <span className="text-xs text-slate-600" data-testid="token-or-operator">token or operator only: its key is not trusted</span>}
      </span>
    );
  }
  if (row.state === "excluded") return <Badge>excluded · stopped</Badge>;
  return (
    <span className="inline-flex items-center gap-2">
      <Badge tone="green">renewed</Badge>
      {row.replacement && (
        <span className="text-xs text-slate-600">
          → <Link className="font-mono text-indigo-700 hover:underline" href={`/certificates/${row.replacement.id}`}>{row.replacement.serial}</Link>
        </span>
      )}
      {row.via && <span className="text-xs text-slate-600" data-testid="renewed-via">{VIA[row.via] ?? row.via}</span>}
    </span>
  );
}

function RenewForm({ row, onCancel }: { row: RenewalRowData; onCancel: () => void }) {
  const [state, action] = useActionState<FormState, FormData>(renewAction, { status: "idle" });
  const fe = state.status === "error" ? state.fieldErrors : {};
  // Unique per row: several rows may be open at once, and labels must find their own field.
  const id = `csr-${row.serial}`;
  return (
    <form action={action} className="max-w-3xl space-y-3 rounded-md border border-slate-200 bg-white p-4" aria-label={`Renew serial ${row.serial} by hand`}>
      <input type="hidden" name="issuer" value={row.issuer} />
      <input type="hidden" name="serial" value={row.serial} />
      <p className="text-sm text-slate-700">
        Issue the replacement for serial <span className="font-mono">{row.serial}</span> from the holder&apos;s new CSR. It must carry a <strong>new key pair</strong> and the <strong>same subject</strong> ({row.cert?.subject || "—"}); SANs and profile are copied from the old certificate.
      </p>
      {state.status === "error" && !fe.csr && <Alert>{state.message}</Alert>}
      <div className="space-y-1">
        <label htmlFor={id} className="block text-sm font-medium text-slate-700">Holder&apos;s CSR for serial {row.serial} (PEM)</label>
        <Textarea name="csr" id={id} rows={6} defaultValue={formValues(state).csr} placeholder="-----BEGIN CERTIFICATE REQUEST-----" invalid={!!fe.csr} aria-describedby={fe.csr ? `${id}-error` : undefined} />
        {fe.csr && <p id={`${id}-error`} role="alert" className="text-sm text-red-700" data-field-error="csr">{fe.csr}</p>}
      </div>
      <FileInput name="csrFile" label={`CSR file for serial ${row.serial}`} accept=".csr,.pem,.der,.req" />
      <div className="flex gap-2">
        <SubmitButton pendingText="Issuing…">Issue replacement</SubmitButton>
        <Button type="button" variant="secondary" onClick={onCancel}>Cancel</Button>
      </div>
    </form>
  );
}

function ExcludeForm({ row, onCancel }: { row: RenewalRowData; onCancel: () => void }) {
  const [state, action] = useActionState<FormState, FormData>(excludeAction, { status: "idle" });
  return (
    <form action={action} className="max-w-3xl space-y-3 rounded-md border border-amber-200 bg-amber-50 p-4" aria-label={`Exclude serial ${row.serial}`}>
      <input type="hidden" name="issuer" value={row.issuer} />
      <input type="hidden" name="serial" value={row.serial} />
      <p className="text-sm text-amber-900">
        Exclude serial <span className="font-mono">{row.serial}</span> only if its server has stopped for good. No replacement is awaited for it, and once the revocation number moves past it, devices reject this certificate.
      </p>
      {state.status === "error" && <Alert>{state.message}</Alert>}
      <div className="flex gap-2">
        <SubmitButton variant="danger" pendingText="Excluding…">Exclude serial {row.serial}</SubmitButton>
        <Button type="button" variant="secondary" onClick={onCancel}>Cancel</Button>
      </div>
    </form>
  );
}
