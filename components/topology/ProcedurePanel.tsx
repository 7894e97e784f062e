"use client";
import type { Mode, ScheduleName } from "@/lib/rotation";
import { describeCheck, KIND_TEXT } from "./model/procedure";
import { Button } from "@/components/ui/Button";
import { StepList } from "./StepList";
import type { Selection } from "./TopologyCanvas";
import type { Procedure } from "./useProcedure";
import { count } from "@/lib/plural";
import { useOverlays, useValue } from "./overlay";
import type { TopologyDocument } from "@/lib/topologies/document";
import { inWords } from "./model/wording";

const control = "block w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-200 disabled:bg-slate-50";

function Icon({ d }: { d: string }) {
  return (
    <svg viewBox="0 0 18 18" width="16" height="16" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden>
      <path d={d} />
    </svg>
  );
}

function Stepper({ p }: { p: Procedure }) {
  const counts = useValue(useOverlays().linkCounts);
  const n = p.order.length;
  const task = p.step > 0 ? p.tasks.get(p.order[p.step - 1]) : undefined;
  return (
    <div className="space-y-1.5" data-testid="stepper">
      <div className="flex items-center gap-1.5">
        <Button variant="secondary" className="px-2 py-1" aria-label="First step" title="Before the first step" onClick={() => p.setStep(0)} disabled={p.step === 0}><Icon d="M13 4 8 9l5 5M4 4v10" /></Button>
        <Button variant="secondary" className="px-2 py-1" onClick={() => p.setStep(p.step - 1)} disabled={p.step === 0}>Previous</Button>
        <Button variant="secondary" className="px-2 py-1" onClick={() => p.setStep(p.step + 1)} disabled={p.step === n}>Next</Button>
        <Button variant="secondary" className="px-2 py-1" aria-label="Last step" title="After the last step" onClick={() => p.setStep(n)} disabled={p.step === n}><Icon d="m5 4 5 5-5 5M14 4v10" /></Button>
        <span className="ml-auto whitespace-nowrap text-xs tabular-nums text-slate-600" data-testid="step-counter">step {p.step} / {n}</span>
      </div>
      <input type="range" min={0} max={n} value={p.step} onChange={(e) => p.setStep(Number(e.target.value))} className="w-full accent-indigo-600" aria-label="Step" />
      <p className="text-xs text-slate-700" data-testid="step-description">
        {task ? (
          <>
            <span className="font-mono font-semibold">{task.id}</span>: {task.node ?? "the CA"} {KIND_TEXT[task.kind]}.
          </>
        ) : (
          "Before the update: every node holds the old root and its old certificate."
        )}
      </p>
      <p className="flex gap-3 text-xs" data-testid="link-counts">
        <span className="text-slate-500">links:</span>
        <span className="text-emerald-700">{counts.ok} ok</span>
        <span className="text-amber-700">{counts.fallback} fallback</span>
        <span className={counts.broken ? "font-semibold text-red-700" : "text-slate-500"}>{counts.broken} broken</span>
      </p>
    </div>
  );
}

const MODE_HINT = { stepwise: "Stepwise: store-root, store-cert and replace-root per node.", bundled: "Bundled: one request per node, then discard-old for clients." };
const SCHEDULE_HINT = {
  minimal: "Minimal: every task as early as its constraints allow (most parallel).",
  phased: "Phased: all roots, then client certificates, then server certificates, then clean-up.",
  linear: "Linear: servers store the root first, so a client's two steps can follow each other.",
};
/** Where each choice comes from, for those who read the SPEC: tooltips only. */
const SCHEDULE_REF = { minimal: "", phased: " (SPEC: FIG. 36)", linear: " (SPEC: FIG. 37)" };

export function ProcedurePanel({ p, valid, doc, onFocus }: { p: Procedure; valid: boolean; doc: TopologyDocument; onFocus(s: Selection): void }) {
  const { options } = p;
  const verdict = p.verdict;
  const computed = p.computed;
  return (
    <div className="flex h-full min-h-0 flex-col gap-2.5">
      <div className="grid grid-cols-2 gap-2">
        <label className="text-xs font-medium text-slate-600">
          Mode
          <select className={control} value={options.mode} title={MODE_HINT[options.mode]} onChange={(e) => p.setOptions({ ...options, mode: e.target.value as Mode })}>
            <option value="stepwise">stepwise</option>
            <option value="bundled">bundled</option>
          </select>
        </label>
        <label className="text-xs font-medium text-slate-600">
          Schedule
          <select className={control} value={options.schedule} title={SCHEDULE_HINT[options.schedule] + SCHEDULE_REF[options.schedule]} onChange={(e) => p.setOptions({ ...options, schedule: e.target.value as ScheduleName })}>
            <option value="minimal">minimal</option>
            <option value="phased" title={SCHEDULE_HINT.phased + SCHEDULE_REF.phased}>phased: roots first, then certificates</option>
            <option value="linear" title={SCHEDULE_HINT.linear + SCHEDULE_REF.linear}>linear: servers first</option>
          </select>
        </label>
      </div>
      <div className="flex items-center justify-between gap-3">
        <label className="flex items-center gap-2 text-xs leading-snug text-slate-700" title="Fewer CA requests: a client that serves no one gets the new root and its new certificate together (SPEC: step 2′).">
          <input type="checkbox" className="h-4 w-4 shrink-0 accent-indigo-600" checked={options.mergeClientSteps} disabled={options.mode === "bundled"} onChange={(e) => p.setOptions({ ...options, mergeClientSteps: e.target.checked })} />
          Send each client&apos;s new root and certificate in one request
        </label>
        <Button className="shrink-0" onClick={p.compute} disabled={!valid} title={valid ? "Plan the update of every root key group" : "Fix the validation problems first"}>
          Compute procedure
        </Button>
      </div>
      {!computed && (
        <p className="text-xs leading-snug text-slate-500">
          {MODE_HINT[options.mode]} {SCHEDULE_HINT[options.schedule]}
        </p>
      )}
      {!valid && <p className="text-xs text-red-700">{doc.nodes.length === 0 ? "The topology is empty: add nodes and links under Edit first." : "The procedure needs a valid topology: fix the problems listed under Edit."}</p>}

      {computed && !computed.ok && (
        <div role="alert" className="space-y-1 rounded-md border border-red-200 bg-red-50 p-2 text-xs text-red-800" data-testid="plan-errors">
          <p className="font-semibold">This topology cannot be planned in {options.mode} mode:</p>
          {computed.errors.slice(0, 20).map((e, i) => (
            <button key={i} type="button" className="block text-left hover:underline" onClick={() => onFocus(e.linkIndex !== undefined ? { nodes: [], links: [e.linkIndex] } : { nodes: e.nodeId ? [e.nodeId] : [], links: [] })}>
              group {e.group}: {inWords(doc, e.message)}
            </button>
          ))}
          {computed.errors.length > 20 && <p>and {computed.errors.length - 20} more like these</p>}
        </div>
      )}

      {computed?.ok && computed.plan.groups.length === 0 && <p className="text-sm text-slate-600">There are no links, so there is nothing to update.</p>}

      {computed?.ok && p.group && (
        <>
          <div className="flex items-center justify-between gap-2 border-t border-slate-100 pt-2 text-xs text-slate-600" data-testid="plan-summary">
            <span>
              {count(p.group.tasks.length, "task")} · {count(p.group.requests.length, "CA request")} · planned in {computed.ms.toFixed(0)} ms
            </span>
            {computed.plan.groups.length > 1 && (
              <select aria-label="Root key group" className="rounded border border-slate-300 px-1 py-0.5 text-xs" value={p.group.group} onChange={(e) => p.setGroup(e.target.value)}>
                {computed.plan.groups.map((g) => <option key={g.group} value={g.group}>group {g.group}</option>)}
              </select>
            )}
          </div>
          {verdict?.kind === "failure" ? (
            <div role="alert" className="rounded-md border border-red-300 bg-red-50 px-2 py-1.5 text-xs text-red-800" data-testid="order-verdict" data-verdict="failure">
              <p><span className="font-semibold">This order breaks authentication</span> at {describeCheck(verdict)}</p>
              <div className="mt-1 flex gap-3">
                <button type="button" className="font-medium underline" onClick={() => { p.setStep(verdict.step); if (verdict.link) onFocus({ nodes: [], links: [verdict.link.index] }); }}>Show step {verdict.step}</button>
                <button type="button" className="font-medium underline" onClick={p.resetOrder}>Restore the plan&apos;s order</button>
              </div>
            </div>
          ) : (
            <div role="status" className="rounded-md border border-emerald-200 bg-emerald-50 px-2 py-1.5 text-xs text-emerald-800" data-testid="order-verdict" data-verdict="ok">
              {p.reordered ? "Your order: " : "Plan order: "}
              {verdict ? describeCheck(verdict) : ""}.
              {p.reordered && <button type="button" className="ml-2 font-medium underline" onClick={p.resetOrder}>Restore the plan&apos;s order</button>}
            </div>
          )}
          <Stepper p={p} />
          <StepList order={p.order} tasks={p.tasks} step={p.step} showRequests={!p.reordered} failingStep={verdict?.kind === "failure" ? verdict.step : null} onMove={p.moveTask} onStep={p.setStep} />
          <p className="text-[11px] text-slate-500">Drag a step to reorder (or focus it, Alt+↑/↓); the order is checked at once. Click a step to see the state after it.</p>
        </>
      )}
    </div>
  );
}
