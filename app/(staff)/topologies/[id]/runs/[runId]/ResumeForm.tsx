"use client";
import { useEffect, useRef } from "react";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { useFormAction } from "@/components/ui/useFormAction";
import { resumeRunAction } from "../../actions";

/** Resume a failed run; the page's poll picks up the running state at once. */
export function ResumeForm({ runId, topologyId, onResumed }: { runId: string; topologyId: string; onResumed(): void }) {
  const { state, formAction } = useFormAction(resumeRunAction);
  const resumed = useRef(onResumed);
  useEffect(() => {
    resumed.current = onResumed;
  });
  // Once per answer: the state object changes only when the action returns.
  useEffect(() => {
    if (state.status === "ok") resumed.current();
  }, [state]);
  return (
    <form action={formAction} className="flex flex-wrap items-center gap-3">
      <input type="hidden" name="runId" value={runId} />
      <input type="hidden" name="topologyId" value={topologyId} />
      <SubmitButton pendingText="Resuming…">Resume</SubmitButton>
      {state.status === "error" && <span role="alert" className="text-sm text-red-800">{state.message}</span>}
    </form>
  );
}
