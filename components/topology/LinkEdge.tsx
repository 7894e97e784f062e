"use client";
import { memo } from "react";
import { BaseEdge, EdgeLabelRenderer, getBezierPath, type Edge, type EdgeProps } from "@xyflow/react";
import type { DocLink } from "@/lib/topologies/document";
import { DIMMED, ERROR_COLOR, STATUS_COLORS } from "./colors";
import { useKeyed, useOverlays, useValue } from "./overlay";

export type LinkEdgeType = Edge<{ link: DocLink; index: number; color: string }, "link">;

/**
 * A link client → server (the arrow points at the server). Colour: its group while editing, its
 * status while stepping through a procedure. One-way links are dashed.
 */
function LinkEdgeView({ id, data, selected, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, markerEnd }: EdgeProps<LinkEdgeType>) {
  const o = useOverlays();
  const index = data!.index;
  const errors = useKeyed(o.linkErrors, index);
  const simulating = useValue(o.simulating);
  const sim = useKeyed(o.linkSim, index);
  const [path, labelX, labelY] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
  const link = data!.link;

  let stroke = data!.color;
  let width = 1.6;
  if (simulating) {
    stroke = sim ? STATUS_COLORS[sim.status] : DIMMED;
    width = sim?.first ? 4 : sim && sim.status !== "ok" ? 2.5 : 1.6;
  } else if (errors) {
    stroke = ERROR_COLOR;
    width = 2.5;
  }
  if (selected) width += 1.5;

  let label: React.ReactNode = null;
  if (simulating && sim && sim.status !== "ok") {
    const broken = sim.status === "broken";
    label = (
      <div
        data-testid={`link-status-${index}`}
        data-status={sim.status}
        title={sim.reason}
        className={`max-w-56 rounded border px-1.5 py-0.5 text-[10px] leading-snug shadow-sm ${broken ? "border-red-300 bg-red-50 text-red-800" : "border-amber-300 bg-amber-50 text-amber-900"} ${sim.first ? "ring-2 ring-red-400" : ""}`}
      >
        <span className="font-semibold uppercase">{sim.first ? "first break" : sim.status}</span>
        {broken && <span>: {sim.reason}</span>}
      </div>
    );
  } else if (!simulating && errors) {
    label = (
      <div role="alert" data-testid={`link-error-${index}`} className="max-w-56 rounded border border-red-200 bg-white px-1.5 py-0.5 text-[10px] leading-snug text-red-700 shadow-sm">
        {errors.join(" · ")}
      </div>
    );
  } else if (!simulating && (selected || link.group !== "default" || link.auth === "one-way")) {
    label = (
      <div className="rounded bg-white/90 px-1 text-[10px] font-medium ring-1 ring-slate-200" style={{ color: data!.color }}>
        {link.group}
        {link.auth === "one-way" ? " · one-way" : selected ? " · mutual" : ""}
      </div>
    );
  }

  return (
    <>
      <BaseEdge
        id={id}
        path={path}
        markerEnd={markerEnd}
        interactionWidth={14}
        style={{ stroke, strokeWidth: width, strokeDasharray: link.auth === "one-way" ? "6 4" : undefined, opacity: simulating && !sim ? 0.5 : 1 }}
      />
      {label && (
        <EdgeLabelRenderer>
          <div className="nodrag nopan pointer-events-auto absolute" style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}>
            {label}
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  );
}

export const LinkEdge = memo(LinkEdgeView);
