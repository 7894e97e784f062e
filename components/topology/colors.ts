/**
 * Colours. Groups get hues that never collide with the link statuses (green ok, amber fallback,
 * red broken), so a simulated link's colour always means its status.
 */
export const GROUP_COLORS = ["#4f46e5", "#0284c7", "#9333ea", "#0d9488", "#c2410c", "#db2777", "#475569", "#65a30d"] as const;

export const STATUS_COLORS = { ok: "#16a34a", fallback: "#d97706", broken: "#dc2626" } as const;

export const ERROR_COLOR = "#dc2626";
export const DIMMED = "#cbd5e1";

/** Colour per root key group, in order of first appearance; O(links). */
export function groupColors(groups: readonly string[]): Map<string, string> {
  return new Map(groups.map((g, i) => [g, GROUP_COLORS[i % GROUP_COLORS.length]]));
}

/** A rotation run's task states (Tailwind classes): waiting grey, on its way blue, succeeded green, failed red. */
export const TASK_STATE_TONE = {
  waiting: "border-slate-300 bg-slate-100 text-slate-600",
  sent: "border-sky-400 bg-sky-100 text-sky-900",
  delivered: "border-sky-600 bg-sky-200 text-sky-950",
  succeeded: "border-emerald-500 bg-emerald-100 text-emerald-900",
  failed: "border-red-500 bg-red-100 text-red-900",
} as const;
