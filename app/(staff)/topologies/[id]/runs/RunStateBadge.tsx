import { Badge } from "@/components/ui/Card";

/** A rotation run's state: running indigo, succeeded green, failed red. */
export function RunStateBadge({ state }: { state: string }) {
  const tone = state === "succeeded" ? "green" : state === "failed" ? "red" : "indigo";
  return (
    <span data-testid="run-state" data-state={state}>
      <Badge tone={tone}>{state}</Badge>
    </span>
  );
}
