import { Badge, Card } from "@/components/ui/Card";
import { keyDistrusted, REVOCATION_REASON_LABELS, type RevocationReason } from "@/lib/pki/reasons";
import type { RenewalCertificate } from "@/lib/revocation/queries";
import type { RevocationProgress } from "@/lib/revocation/progress";
import { LiveProgress } from "./LiveProgress";
import { RenewalRow } from "./RenewalRow";
import { CompleteControls } from "./CompleteControls";
import type { RenewalRowData } from "./types";

export interface Pending {
  serial: bigint;
  reason: string;
  order: string;
  createdAt: Date;
  deadline: Date | null;
  awaiting: bigint[];
  renewed: bigint[];
  excluded: bigint[];
}

const ORDER_TEXT: Record<string, { label: string; tone: "amber" | "red" | "slate"; text: (s: bigint) => string }> = {
  "renew-first": { label: "renew first", tone: "amber", text: (s) => `Devices still accept serial ${s} until the revocation number moves: that is the exposure window.` },
  "raise-first": { label: "raise first", tone: "red", text: (s) => `The revocation number already moved past ${s}: holders that have not renewed are rejected by devices.` },
  sweep: { label: "expiry sweep", tone: "slate", text: () => "Opened by the expiry sweep for certificates nearing expiry." },
};

const day = (d: Date) => d.toISOString().slice(0, 10);
const label = (r: string) => REVOCATION_REASON_LABELS[r as RevocationReason] ?? r;

/** One pending prefix revocation: why, how far, who is still awaited, and the operator's moves. */
export function PendingRevocation({ issuer, rn, p, progress, certs, methods, createdBy, canWrite, now }: { issuer: string; rn: bigint; p: Pending; progress: RevocationProgress; certs: Map<bigint, RenewalCertificate>; methods: Map<bigint, string>; createdBy?: string; canWrite: boolean; now: Date }) {
  const state = (s: bigint): RenewalRowData["state"] => (p.awaiting.includes(s) ? "awaiting" : p.excluded.includes(s) ? "excluded" : "renewed");
  // A serial awaited for an earlier pending revocation also holds this one up, so it is listed too.
  const serials = [...new Set([...p.awaiting, ...p.renewed, ...p.excluded])].sort((a, b) => (a < b ? -1 : 1));
  const rows: RenewalRowData[] = serials.map((s) => {
    const c = certs.get(s);
    return {
      issuer,
      serial: s.toString(),
      state: state(s),
      isTarget: s === p.serial,
      cert: c ? { id: c.id, subject: c.subject, sans: c.sans, notAfter: day(c.notAfter) } : null,
      replacement: c?.replacement ? { id: c.replacement.id, serial: c.replacement.serial.toString() } : null,
      via: methods.get(s) ?? null,
      proofRefused: s === p.serial && keyDistrusted(p.reason),
    };
  });
  const order = ORDER_TEXT[p.order] ?? { label: p.order, tone: "slate" as const, text: () => "" };
  const overdue = p.deadline !== null && p.deadline < now;
  // raise-first (or a later revocation) already moved the RN: completing then only ends the wait.
  const raised = rn > p.serial;
  return (
    <Card
      title={
        <span className="flex flex-wrap items-center gap-2">
          Revocation of serial <span className="font-mono">{p.serial.toString()}</span>
          <Badge tone="red">{label(p.reason)}</Badge>
          <Badge tone={order.tone}>{order.label}</Badge>
        </span>
      }
      actions={<span className="text-xs text-slate-500">opened {day(p.createdAt)}{createdBy ? ` by ${createdBy.replace(/^user:/, "")}` : ""}</span>}
    >
      <div className="space-y-4" data-testid={`pending-${p.serial}`}>
        <div className="grid gap-4 text-sm md:grid-cols-3">
          <p className="text-slate-700 md:col-span-2">
            {raised ? (
              <>The revocation number is already <span className="font-mono font-semibold">{rn.toString()}</span>: devices reject serial {p.serial.toString()} and every holder listed here until it renews. Completing ends the wait.</>
            ) : (
              <>{order.text(p.serial)} When it completes, the revocation number becomes <span className="font-mono font-semibold">{(p.serial + 1n).toString()}</span>.</>
            )}
          </p>
          <p className={overdue ? "font-medium text-red-700" : "text-slate-600"}>
            {p.deadline ? <>Deadline {day(p.deadline)}{overdue ? " — passed: renewal requests are closed; the next sweep forces completion" : " — then renewal requests close and the sweep forces completion"}</> : "No deadline: completes when nobody is awaited, or by force."}
          </p>
        </div>
        <LiveProgress initial={progress} serial={p.serial.toString()} />
        <div className="overflow-x-auto rounded-lg border border-slate-200">
          <table className="min-w-full divide-y divide-slate-200 text-sm">
            <thead>
              <tr>
                {["Serial", "Subject · SANs", "Expires", "State", ""].map((h, i) => (
                  <th key={i} className="bg-slate-50 px-4 py-2.5 text-left text-xs font-semibold uppercase tracking-wide text-slate-600">{h}</th>
                ))}
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {rows.map((r) => <RenewalRow key={r.serial} row={r} canWrite={canWrite} />)}
            </tbody>
          </table>
        </div>
        {canWrite && (
          <CompleteControls
            issuer={issuer}
            serial={p.serial.toString()}
            newRn={raised ? null : (p.serial + 1n).toString()}
            awaiting={p.awaiting.map((s) => ({ serial: s.toString(), subject: certs.get(s)?.subject ?? "" }))}
          />
        )}
      </div>
    </Card>
  );
}
