"use client";
import { useActionState } from "react";
import { Alert } from "@/components/ui/Card";
import { SubmitButton } from "@/components/ui/SubmitButton";
import type { FormState } from "@/components/ui/formState";
import { bringForwardAction } from "../actions";

/** "Create next generation now": the newest generation the page showed goes along, so a double submit creates nothing twice. */
export function BringForward({ lineage, newest }: { lineage: string; newest: number }) {
  const [state, action] = useActionState<FormState, FormData>(bringForwardAction, { status: "idle" });
  return (
    <form action={action} className="space-y-3">
      {state.status === "error" && <Alert>{state.message}</Alert>}
      <input type="hidden" name="lineage" value={lineage} />
      <input type="hidden" name="newest" value={newest} />
      <SubmitButton pendingText="Creating generation…">Create next generation now</SubmitButton>
    </form>
  );
}
