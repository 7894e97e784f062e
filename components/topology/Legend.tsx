"use client";
import { STATUS_COLORS } from "./colors";
import { useOverlays, useValue } from "./overlay";

function Swatch({ color, dashed }: { color: string; dashed?: boolean }) {
  return <span className="inline-block w-5 border-t-2" style={{ borderColor: color, borderStyle: dashed ? "dashed" : "solid" }} />;
}

/**
 * Groups by colour while editing; link statuses while stepping through a procedure. A strip above
 * the canvas, not a panel on it: a panel in a corner covered the node fitted into that corner.
 */
export function Legend({ colors }: { colors: ReadonlyMap<string, string> }) {
  const simulating = useValue(useOverlays().simulating);
  if (!simulating && colors.size === 0) return null;
  return (
    <div data-testid="legend" className="shrink-0 overflow-x-auto whitespace-nowrap border-b border-slate-200 bg-slate-50 px-3 py-1.5 text-xs text-slate-700">
      {simulating ? (
        <span className="flex items-center gap-3" data-testid="legend-status">
          <span className="font-medium text-slate-600">Links:</span>
          <span className="inline-flex items-center gap-1"><Swatch color={STATUS_COLORS.ok} /> authenticates</span>
          <span className="inline-flex items-center gap-1"><Swatch color={STATUS_COLORS.fallback} /> fallback</span>
          <span className="inline-flex items-center gap-1"><Swatch color={STATUS_COLORS.broken} /> broken</span>
          <span className="font-medium text-slate-600">Stores:</span>
          <span className="rounded bg-slate-100 px-1 ring-1 ring-slate-300">old</span>
          <span className="rounded bg-amber-50 px-1 ring-1 ring-amber-300" title="bridge root: the new key, signed by the old root (SPEC: distribution root certificate)">bridge</span>
          <span className="rounded bg-emerald-50 px-1 ring-1 ring-emerald-300">new</span>
        </span>
      ) : (
        <span className="flex items-center gap-3">
          <span className="font-medium text-slate-600">Root key groups:</span>
          {[...colors].map(([g, c]) => (
            <span key={g} className="inline-flex items-center gap-1"><Swatch color={c} /> {g}</span>
          ))}
          <span className="inline-flex items-center gap-1 text-slate-500"><Swatch color="#64748b" dashed /> one-way</span>
        </span>
      )}
    </div>
  );
}
