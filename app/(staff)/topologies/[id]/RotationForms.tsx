"use client";
import { Alert } from "@/components/ui/Card";
import { Field, Input, Select } from "@/components/ui/Field";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { useFormAction } from "@/components/ui/useFormAction";
import { bindGroupAction, startRunAction } from "./actions";

/** Choose the issuer whose root a run of this group replaces. */
export function BindGroupForm({ topology, group, issuers, current }: { topology: string; group: string; issuers: string[]; current: string | null }) {
  const { state, formAction, fe, v } = useFormAction(bindGroupAction);
  if (issuers.length === 0) return <p className="text-xs text-slate-500">There is no issuer yet: create one under Issuers, then bind the group to it.</p>;
  return (
    <form action={formAction} className="flex flex-wrap items-center gap-2" aria-label={`Bind group ${group}`}>
      <input type="hidden" name="topology" value={topology} />
      <input type="hidden" name="group" value={group} />
      <label htmlFor={`issuer-${group}`} className="text-xs text-slate-600">Issuer</label>
      <select id={`issuer-${group}`} name="issuer" defaultValue={v.issuer ?? current ?? issuers[0]} className="rounded-md border border-slate-300 px-2 py-1.5 text-sm">
        {issuers.map((i) => <option key={i} value={i}>{i}</option>)}
      </select>
      <SubmitButton variant="secondary" pendingText="Binding…">{current ? "Change issuer" : "Bind"}</SubmitButton>
      {state.status === "error" && <span role="alert" className="text-sm text-red-700">{fe.issuer ?? fe.group ?? fe.topology ?? state.message}</span>}
      {state.status === "ok" && <span role="status" className="text-sm text-emerald-700">{state.message}</span>}
    </form>
  );
}

export function StartRunForm({ topology, topologyId, groups }: { topology: string; topologyId: string; groups: string[] }) {
  const { state, formAction, fe, v } = useFormAction(startRunAction);
  const general = state.status === "error" && !["mode", "schedule", "max-failures", "task-timeout-s"].some((f) => fe[f]) ? state.message : null;
  return (
    <form action={formAction} className="space-y-4" aria-label="Start a rotation run">
      <input type="hidden" name="topology" value={topology} />
      <input type="hidden" name="topologyId" value={topologyId} />
      {general && <Alert>{general}</Alert>}
      <div className="grid grid-cols-2 gap-4 md:grid-cols-3">
        <Field label="Root key group" name="group">
          <Select name="group" defaultValue={v.group ?? groups[0]}>
            {groups.map((g) => <option key={g} value={g}>{g}</option>)}
          </Select>
        </Field>
        <Field label="Mode" name="mode" error={fe.mode} hint="Stepwise: three requests per node. Bundled: one, then clean-up for clients.">
          <Select name="mode" defaultValue={v.mode ?? "stepwise"} invalid={!!fe.mode}>
            <option value="stepwise">stepwise</option>
            <option value="bundled">bundled</option>
          </Select>
        </Field>
        <Field label="Schedule" name="schedule" error={fe.schedule} hint="Minimal is the most parallel.">
          <Select name="schedule" defaultValue={v.schedule ?? "minimal"} invalid={!!fe.schedule}>
            <option value="minimal">minimal</option>
            <option value="phased">phased</option>
            <option value="linear">linear</option>
          </Select>
        </Field>
        <Field label="Max failures in a row" name="max-failures" error={fe["max-failures"]} hint="Per task, before the run stops.">
          <Input name="max-failures" type="number" min={1} max={1000} defaultValue={v["max-failures"] ?? "5"} invalid={!!fe["max-failures"]} />
        </Field>
        <Field label="Task timeout (seconds)" name="task-timeout-s" error={fe["task-timeout-s"]} hint="No answer in time counts as a failure.">
          <Input name="task-timeout-s" type="number" min={1} max={86400} defaultValue={v["task-timeout-s"] ?? "30"} invalid={!!fe["task-timeout-s"]} />
        </Field>
      </div>
      <label className="flex items-center gap-2 text-sm text-slate-700">
        <input type="checkbox" name="merge-client-steps" defaultChecked={v["merge-client-steps"] === "on"} />
        Stepwise: send each client its bridge root and new certificate in one request
      </label>
      <SubmitButton pendingText="Creating the new root…">Start rotation run</SubmitButton>
    </form>
  );
}
