import { tickRuns } from "./engine";

/**
 * The engine's clock (docs/ROTATION_RUNS.md "Timer"): every second, the timeouts of every
 * running run. Unref'd, and a tick never overlaps the previous one. Returns what stops it.
 */
export function startRunTimer(intervalMs = 1000, leading: () => boolean = () => true): () => void {
  let busy = false;
  const timer = setInterval(() => {
    if (busy || !leading()) return; // another instance runs the jobs (lib/jobs.ts)
    busy = true;
    tickRuns()
      .catch((err) => console.error("rootline: rotation-run timer:", err))
      .finally(() => (busy = false));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
