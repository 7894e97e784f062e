"use client";
import Link from "next/link";
import { startTransition, useActionState, useEffect, useRef, useState, type ReactNode } from "react";
import { keyDistrusted, RAISE_FIRST_REASONS, REVOCATION_REASON_LABELS, REVOKING_REASONS, type RevocationReason } from "@/lib/pki/reasons";
import { DEADLINE_DAYS } from "@/lib/revocation/deadline";
import { planRenewals, reasonStopsTarget } from "@/lib/revocation/plan";
import { Alert, Card, PageHeader } from "@/components/ui/Card";
import { Field, Input, Select } from "@/components/ui/Field";
import { Button, ButtonLink } from "@/components/ui/Button";
import { AffectedTable, type AffectedRow } from "@/components/revocation/AffectedTable";
import { OrderChoice, type Order } from "@/components/revocation/OrderChoice";
import { TokenList } from "@/components/revocation/TokenList";
import { PendingMentionList, type PendingMentionData } from "@/components/revocation/PendingMention";
import type { FormState } from "@/components/ui/formState";
import { revokeAction, type StartedResult } from "./actions";

export interface PreviewData {
  certificateId: string;
  issuer: string;
  serial: string;
  subject: string;
  currentRn: string;
  newRn: string;
  affected: AffectedRow[];
  /** The issuer's revocations already pending: this one joins them. */
  pending: PendingMentionData[];
}

const raiseFirstAdvised = (reason: string) => RAISE_FIRST_REASONS.includes(reason as RevocationReason);

const PLACED = ["reason", "exclude", "order", "deadline"];

export function RevokeForm({ preview, subtitle, back }: { preview: PreviewData; subtitle: ReactNode; back: ReactNode }) {
  const [state, action, pending] = useActionState<FormState<StartedResult>, FormData>(revokeAction, { status: "idle" });
  // Revocation cannot be undone: the first submit asks once more, the second one revokes.
  const [confirming, setConfirming] = useState(false);
  const confirmRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);
  // Controlled: the explanations and the summary follow every choice as it is made.
  const [reason, setReason] = useState("");
  const [order, setOrder] = useState<Order>("renew-first");
  // A compromised key proposes raise-first, unless the operator already picked an order.
  const [orderPicked, setOrderPicked] = useState(false);
  const [excluded, setExcluded] = useState<Set<string>>(new Set());
  const [deadline, setDeadline] = useState("");
  if (state.status === "ok" && state.data) {
    return (
      <>
        <PageHeader title={<>Serial <span className="font-mono">{state.data.serial}</span> revoked</>} subtitle={subtitle} actions={back} />
        <Started preview={preview} result={state.data} reason={reason} />
      </>
    );
  }

  const fe = state.status === "error" ? state.fieldErrors : {};
  // Errors about a field show beside it; the banner is for the rest (e.g. revoked meanwhile).
  const general = state.status === "error" && !PLACED.some((f) => fe[f]) ? state.message : null;
  // What confirming does with each holder, by the rule the revocation itself applies.
  const plan = planRenewals(preview.affected, { reason, exclude: excluded });
  const stopped = new Set(plan.stopped.map((r) => r.serial));
  const toggle = (s: string) => setExcluded((prev) => { const n = new Set(prev); if (n.has(s)) n.delete(s); else n.add(s); return n; });

  // Any change after "Revoke…" takes the operator back to the first step.
  const edit = () => setConfirming(false);
  return (
    <>
    <PageHeader title={<>Revoke serial <span className="font-mono">{preview.serial}</span></>} subtitle={subtitle} actions={back} />
    {/* Submitted by hand, not through <form action>: React resets a form after its action,
        which would untick the exclusions in the DOM while the state (and the summary) kept them. */}
    <form
      className="space-y-6"
      onChange={edit}
      onSubmit={(e) => {
        e.preventDefault();
        // Without a reason the server only answers with the field error: nothing to confirm yet.
        if (!confirming && reason) {
          setConfirming(true);
          return;
        }
        const data = new FormData(e.currentTarget);
        startTransition(() => action(data));
      }}
    >
      <input type="hidden" name="certificate" value={preview.certificateId} />
      {general && <Alert>{general}</Alert>}
      <PendingMentionList pending={preview.pending} serial={preview.serial} issuer={preview.issuer} />
      <Card title="1 · Reason">
        <div className="max-w-md">
          <Field label="Reason (RFC 5280)" name="reason" error={reason ? undefined : fe.reason} hint="Recorded in the audit log and on the CRL entry.">
            <Select
              name="reason"
              value={reason}
              onChange={(e) => {
                setReason(e.target.value);
                if (!orderPicked && raiseFirstAdvised(e.target.value)) setOrder("raise-first");
              }}
              invalid={!reason && !!fe.reason}
            >
              <option value="" disabled>Choose a reason…</option>
              {REVOKING_REASONS.map((r) => <option key={r} value={r}>{REVOCATION_REASON_LABELS[r]}</option>)}
            </Select>
          </Field>
          {keyDistrusted(reason) && (
            <p className="mt-2 text-sm text-slate-700" data-testid="proof-refused">
              Its holder cannot renew by signing with this certificate&apos;s key: only its one-time token or an operator can renew serial <span className="font-mono">{preview.serial}</span>. The other holders below it still can.
            </p>
          )}
        </div>
      </Card>

      <Card title={`2 · Certificates affected (${preview.affected.length})`}>
        <p className="mb-3 text-sm text-slate-700">
          A revocation number is a low-water mark, so revoking serial <span className="font-mono">{preview.serial}</span> also invalidates every certificate of {preview.issuer} below it that devices still accept. Each holder is asked to renew (new key, new serial). Tick a server that has stopped: nobody waits for its replacement.
        </p>
        {fe.exclude && <p role="alert" className="mb-2 text-sm text-red-700" data-field-error="exclude">{fe.exclude}</p>}
        <AffectedTable rows={preview.affected} stopped={stopped} targetStopped={reasonStopsTarget(reason)} onToggle={toggle} />
      </Card>

      <Card title="3 · Order and deadline">
        <div className="space-y-5">
          <OrderChoice order={order} onChange={(o) => { setOrder(o); setOrderPicked(true); }} serial={preview.serial} newRn={preview.newRn} collateral={plan.collateral} awaited={plan.awaited.length} />
          {order === "renew-first" && raiseFirstAdvised(reason) && (
            <p role="status" className="rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900" data-testid="renew-first-warning">
              <strong>{REVOCATION_REASON_LABELS[reason as RevocationReason]} with renew-first:</strong> devices keep accepting serial <span className="font-mono">{preview.serial}</span> — and whoever stole its key — until the last replacement is issued or you force completion. Raise the RN first unless the collateral outage is worse.
            </p>
          )}
          {fe.order && <p role="alert" className="text-sm text-red-700" data-field-error="order">{fe.order}</p>}
          <div className="max-w-xs">
            <Field label="Deadline (days, optional)" name="deadline" error={fe.deadline} hint={`${DEADLINE_DAYS.min} to ${DEADLINE_DAYS.max} days. When it passes, the expiry sweep completes the revocation by force. Empty: no deadline.`}>
              <Input name="deadline" type="number" min={DEADLINE_DAYS.min} max={DEADLINE_DAYS.max} inputMode="numeric" value={deadline} onChange={(e) => setDeadline(e.target.value)} invalid={!!fe.deadline} placeholder="e.g. 14" />
            </Field>
          </div>
        </div>
      </Card>

      <Summary preview={preview} order={order} awaited={plan.awaited.length} tokens={plan.tokens} stopped={plan.stopped.length} />
      {confirming ? (
        <div ref={confirmRef} tabIndex={-1} role="alertdialog" aria-labelledby="confirm-revoke-title" aria-describedby="confirm-revoke-text" className="rounded-lg border-2 border-red-300 bg-red-50 p-5 outline-none">
          <p id="confirm-revoke-title" className="text-base font-semibold text-red-900">Revoke serial <span className="font-mono">{preview.serial}</span> of {preview.issuer}? This cannot be undone.</p>
          <p id="confirm-revoke-text" className="mt-1 text-sm text-red-900">
            It goes on the CRL at once and stays revoked; the revocation number of {preview.issuer} {order === "raise-first" || plan.awaited.length === 0 ? <>moves to <span className="font-mono">{preview.newRn}</span> now</> : <>moves to <span className="font-mono">{preview.newRn}</span> after {plan.awaited.length} renewal{plan.awaited.length === 1 ? "" : "s"}</>}.
            {preview.pending.length > 0 && <> It joins the revocation{preview.pending.length === 1 ? "" : "s"} of serial{preview.pending.length === 1 ? "" : "s"} <span className="font-mono" data-testid="confirm-pending">{preview.pending.map((p) => p.serial).join(", ")}</span> already pending.</>}
          </p>
          <div className="mt-4 flex items-center gap-3">
            <Button type="submit" variant="danger" disabled={pending}>{pending ? "Revoking…" : `Yes, revoke serial ${preview.serial}`}</Button>
            <Button type="button" variant="secondary" onClick={edit} disabled={pending}>Go back</Button>
          </div>
        </div>
      ) : (
        <div className="flex items-center gap-3">
          <Button type="submit" variant="danger">{`Revoke serial ${preview.serial}…`}</Button>
          <Link href={`/certificates/${preview.certificateId}`} className="text-sm font-medium text-slate-600 hover:underline">Cancel</Link>
        </div>
      )}
    </form>
    </>
  );
}

/** What confirming does, in the order it happens. */
function Summary({ preview, order, awaited, tokens, stopped }: { preview: PreviewData; order: Order; awaited: number; tokens: number; stopped: number }) {
  const now = order === "raise-first" || awaited === 0;
  return (
    <section className="rounded-lg border border-slate-300 bg-slate-50 p-5" aria-label="What happens when you confirm">
      <div className="flex flex-wrap items-center gap-6">
        <div>
          <p className="text-xs font-semibold uppercase tracking-wide text-slate-500">Revocation number</p>
          <p className="font-mono text-3xl font-semibold tabular-nums text-slate-900" data-testid="rn-change">
            {preview.currentRn} <span className="text-slate-400">→</span> {preview.newRn}
          </p>
          <p className="text-xs text-slate-600">{now ? "as soon as you confirm" : `after ${awaited} renewal${awaited === 1 ? "" : "s"}, the deadline, or a forced completion`}</p>
        </div>
        <ul className="min-w-64 flex-1 list-disc space-y-1 pl-5 text-sm text-slate-700">
          <li>Serial <span className="font-mono">{preview.serial}</span> is marked revoked and listed on the CRL now.</li>
          <li>{awaited} holder{awaited === 1 ? "" : "s"} must renew{stopped > 0 ? `; ${stopped} stopped server${stopped === 1 ? " is" : "s are"} not waited for` : ""}.</li>
          <li>{tokens > 0 ? `${tokens} one-time renewal token${tokens === 1 ? "" : "s"} will be shown once, right after you confirm.` : "No renewal tokens are issued."}</li>
        </ul>
      </div>
    </section>
  );
}

function Started({ preview, result, reason }: { preview: PreviewData; result: StartedResult; reason: string }) {
  // The tab says it is done too, not "Revoke certificate".
  useEffect(() => {
    document.title = `Serial ${result.serial} revoked · Rootline`;
  }, [result.serial]);
  const subjects = new Map(preview.affected.map((a) => [a.serial, a.subject]));
  return (
    <div className="space-y-6">
      <Alert kind="success">
        Serial <span className="font-mono">{result.serial}</span> of {result.issuer} is revoked and on the CRL.{" "}
        {BigInt(result.revocationNumber) > BigInt(result.serial) ? (
          <>The revocation number is now <span className="font-mono font-semibold">{result.revocationNumber}</span>: devices reject it at once.</>
        ) : (
          <>The revocation number stays <span className="font-mono font-semibold">{result.revocationNumber}</span> until {result.awaiting.length} holder{result.awaiting.length === 1 ? " renews" : "s renew"}, then becomes <span className="font-mono font-semibold">{String(BigInt(result.serial) + 1n)}</span>.</>
        )}
      </Alert>
      <Card title="One-time renewal tokens">
        <div className="mb-4 rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900" role="status">
          <p className="font-semibold">Shown once. Copy them now.</p>
          <p className="mt-1">Rootline keeps only a hash of each token: after you leave this page nobody can display them again. Give each holder its own token over a channel you trust; a holder with its current key can renew without one{keyDistrusted(reason) ? <>, except the holder of serial <span className="font-mono">{result.serial}</span>: its key is not trusted any more, so it needs its token</> : null}.</p>
        </div>
        <TokenList issuer={result.issuer} tokens={result.tokens.map((t) => ({ ...t, subject: subjects.get(t.serial) ?? "" }))} />
      </Card>
      <PendingMentionList pending={result.alsoPending} serial={result.serial} issuer={result.issuer} done />
      <ButtonLink href={result.next}>I have saved the tokens — go to Revocation</ButtonLink>
    </div>
  );
}
