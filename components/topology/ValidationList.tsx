"use client";
import type { TopologyError } from "@/lib/rotation";
import type { TopologyDocument } from "@/lib/topologies/document";
import { describeProblem } from "./model/wording";
import type { Selection } from "./TopologyCanvas";

const SHOWN = 200;

/** Every validation problem; clicking one selects the node or link at fault and centres on it. */
export function ValidationList({ doc, errors, onFocus }: { doc: TopologyDocument; errors: readonly TopologyError[]; onFocus(selection: Selection): void }) {
  // Nothing to plan is not "valid": say what is missing instead.
  if (doc.nodes.length === 0)
    return (
      <p className="flex items-center gap-2 text-sm text-slate-600" data-testid="validation-empty">
        <span className="inline-block h-2 w-2 shrink-0 rounded-full bg-slate-400" /> Empty: add nodes and link clients to their servers; there is nothing to update yet.
      </p>
    );
  if (errors.length === 0)
    return (
      <p className="flex items-center gap-2 text-sm text-emerald-700" data-testid="validation-ok">
        <span className="inline-block h-2 w-2 rounded-full bg-emerald-500" /> Valid: the update procedure can be computed.
      </p>
    );
  return (
    <div className="space-y-2" data-testid="validation-list">
      <p className="text-sm text-slate-700">
        <span className="font-semibold text-red-700">{errors.length} {errors.length === 1 ? "problem" : "problems"}</span> — you can save this as a draft, but the procedure needs a valid topology.
      </p>
      <ul className="max-h-64 space-y-1 overflow-y-auto pr-1">
        {errors.slice(0, SHOWN).map((e, i) => {
          const target: Selection | null = e.linkIndex !== undefined ? { nodes: [], links: [e.linkIndex] } : e.nodeId !== undefined ? { nodes: [e.nodeId], links: [] } : null;
          return (
            <li key={i}>
              <button
                type="button"
                disabled={!target}
                onClick={() => target && onFocus(target)}
                className="w-full rounded border border-red-100 bg-red-50/60 px-2 py-1 text-left text-xs text-red-800 enabled:hover:bg-red-100"
              >
                {describeProblem(doc, e)}
              </button>
            </li>
          );
        })}
      </ul>
      {errors.length > SHOWN && <p className="text-xs text-slate-500">and {errors.length - SHOWN} more</p>}
    </div>
  );
}
