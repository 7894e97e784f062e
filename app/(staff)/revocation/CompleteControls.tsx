"use client";
import { useActionState, useState } from "react";
import { Alert } from "@/components/ui/Card";
import { Button } from "@/components/ui/Button";
import { SubmitButton } from "@/components/ui/SubmitButton";
import type { FormState } from "@/components/ui/formState";
import { completeAction } from "./actions";

export interface AwaitedHolder {
  serial: string;
  subject: string;
}

/**
 * Moving the RN for a pending revocation. Plain completion is only possible when
 * nobody is awaited; forcing it cuts the awaited holders off, so the confirmation
 * names every one of them before anything happens.
 */
/** newRn is null when the RN already moved (raise-first): completing then only ends the wait. */
export function CompleteControls({ issuer, serial, newRn, awaiting }: { issuer: string; serial: string; newRn: string | null; awaiting: AwaitedHolder[] }) {
  const [state, action] = useActionState<FormState, FormData>(completeAction, { status: "idle" });
  const [confirming, setConfirming] = useState(false);
  const blocked = awaiting.length > 0;
  return (
    <div className="space-y-3">
      {state.status === "error" && <Alert>{state.message}</Alert>}
      <div className="flex flex-wrap items-center gap-3">
        <form action={action}>
          <input type="hidden" name="issuer" value={issuer} />
          <input type="hidden" name="serial" value={serial} />
          {/* Disabled rather than hidden: the operator should see the step exists and why it is not open yet. */}
          <Button type="submit" disabled={blocked} aria-describedby={blocked ? `complete-why-${serial}` : undefined}>
            {newRn ? `Complete — RN → ${newRn}` : "Complete"}
          </Button>
        </form>
        {blocked && !confirming && (
          <Button type="button" variant="secondary" className="text-red-700!" onClick={() => setConfirming(true)}>
            Force complete…
          </Button>
        )}
      </div>
      {blocked && (
        <p id={`complete-why-${serial}`} className="text-xs text-slate-600">
          Complete opens when no renewal is awaited: {awaiting.length} holder{awaiting.length > 1 ? "s have" : " has"} not renewed yet. Renew them by hand, exclude stopped servers, or force completion.
        </p>
      )}
      {blocked && confirming && (
        <form action={action} className="space-y-3 rounded-md border border-red-200 bg-red-50 p-4" aria-label="Confirm forced completion">
          <input type="hidden" name="issuer" value={issuer} />
          <input type="hidden" name="serial" value={serial} />
          <input type="hidden" name="force" value="1" />
          <p className="text-sm font-semibold text-red-900">
            {forceText(newRn, awaiting.length)}
          </p>
          <ul className="space-y-1 text-sm text-red-900" data-testid="force-cut-off">
            {awaiting.map((a) => (
              <li key={a.serial}>
                <span className="font-mono">serial {a.serial}</span> — {a.subject || "(no subject)"}
              </li>
            ))}
          </ul>
          <p className="text-xs text-red-800">Their renewal requests close and their tokens stop working: a holder that still needs a certificate gets a new one issued by an operator.</p>
          <div className="flex gap-2">
            <SubmitButton variant="danger" pendingText="Completing…">
              {newRn ? `Force complete and cut off ${awaiting.length}` : `Force complete, stop waiting for ${awaiting.length}`}
            </SubmitButton>
            <Button type="button" variant="secondary" onClick={() => setConfirming(false)}>Cancel</Button>
          </div>
        </form>
      )}
    </div>
  );
}

function forceText(newRn: string | null, n: number): string {
  const these = n === 1 ? "this certificate" : `these ${n} certificates`;
  if (!newRn) return `The revocation number already moved; forcing stops waiting for ${these}:`;
  return `Forcing moves the revocation number to ${newRn} now. Devices will reject ${these} from then on:`;
}
