"use client";
import { memo, useMemo } from "react";
import { Background, Controls, Handle, MarkerType, Position, ReactFlow, ReactFlowProvider, type Edge, type Node, type NodeProps } from "@xyflow/react";
import type { GroupPlan, PlannedTask } from "@/lib/rotation";
import { TASK_STATE_TONE } from "./colors";
import { KIND_TEXT, layoutTaskGraph, TASK_BOX } from "./model/procedure";
import { useKeyed, useOverlays } from "./overlay";
import { count } from "@/lib/plural";

type TaskNodeType = Node<{ task: PlannedTask }, "task">;

const KIND_TONE: Record<string, string> = {
  "create-root": "border-indigo-400 bg-indigo-600 text-white",
  "create-root-bundle": "border-indigo-400 bg-indigo-600 text-white",
  "store-root": "border-amber-300 bg-amber-50 text-amber-900",
  "store-cert": "border-sky-300 bg-sky-50 text-sky-900",
  "replace-root": "border-emerald-300 bg-emerald-50 text-emerald-900",
  bundle: "border-sky-300 bg-sky-50 text-sky-900",
  "discard-old": "border-emerald-300 bg-emerald-50 text-emerald-900",
};

const TaskNode = memo(function TaskNode({ id, data }: NodeProps<TaskNodeType>) {
  const overlays = useOverlays();
  const mark = useKeyed(overlays.taskMark, id);
  // On a run page the task's live state replaces the kind's colour and the simulation marks.
  const run = useKeyed(overlays.taskRun, id);
  const t = data.task;
  const ring = mark === "failing" ? "ring-4 ring-red-400" : mark === "current" ? "ring-4 ring-indigo-400" : run?.lastError && run.state !== "succeeded" ? "ring-2 ring-red-300" : "";
  const tone = run ? TASK_STATE_TONE[run.state] : `${KIND_TONE[t.kind]} ${mark === "done" || mark === "current" ? "" : "opacity-80"}`;
  const title = `${id}: ${t.node ?? "CA"} ${KIND_TEXT[t.kind]}` + (run ? `\n${run.state}, attempt ${run.attempts}${run.lastError ? `\nLast error: ${run.lastError}` : ""}` : "");
  return (
    <div
      data-testid={`task-${id}`}
      data-mark={mark}
      data-state={run?.state}
      title={title}
      className={`flex items-center justify-between rounded border px-2 font-mono text-[11px] ${tone} ${ring}`}
      style={{ width: TASK_BOX.width, height: TASK_BOX.height }}
    >
      <Handle type="target" position={Position.Left} isConnectable={false} style={{ opacity: 0 }} />
      <span className="truncate">{id}</span>
      {!run && (mark === "done" || mark === "current") && <span aria-label="done">✓</span>}
      {run?.state === "succeeded" && <span aria-label="succeeded">✓</span>}
      {run && run.state !== "succeeded" && run.attempts > 1 && <span className="shrink-0 text-[10px]" aria-label={`attempt ${run.attempts}`}>×{run.attempts}</span>}
      <Handle type="source" position={Position.Right} isConnectable={false} style={{ opacity: 0 }} />
    </div>
  );
});

const nodeTypes = { task: TaskNode };
const LARGE = 300;
const MANDATORY = { stroke: "#475569", strokeWidth: 1.2 };
const PREFERRED = { stroke: "#94a3b8", strokeWidth: 1.2, strokeDasharray: "5 4" };

/**
 * The task graph of one group: a column per phase, mandatory edges solid, preferred (R3) dashed.
 * Read-only: the order is edited in the step list.
 */
function TaskGraphView({ plan }: { plan: GroupPlan }) {
  const { nodes, edges } = useMemo(() => {
    const g = layoutTaskGraph(plan, plan.tasks.length <= LARGE);
    const nodes: TaskNodeType[] = g.nodes.map((n) => ({ id: n.id, type: "task", position: { x: n.x, y: n.y }, data: { task: n.task }, draggable: false, selectable: false }));
    const edges: Edge[] = g.edges.map((e) => ({
      id: e.id,
      source: e.from,
      target: e.to,
      style: e.preferred ? PREFERRED : MANDATORY,
      markerEnd: { type: MarkerType.ArrowClosed, color: e.preferred ? "#94a3b8" : "#475569", width: 14, height: 14 },
      selectable: false,
      focusable: false,
    }));
    return { nodes, edges };
  }, [plan]);
  const phases = useMemo(() => Math.max(0, ...plan.tasks.map((t) => t.phase)) + 1, [plan]);

  return (
    <div className="relative h-full w-full" data-testid="task-graph">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onlyRenderVisibleElements
        nodesConnectable={false}
        nodesDraggable={false}
        elementsSelectable={false}
        minZoom={0.05}
        maxZoom={1.5}
        // A large plan fitted on screen would draw thousands of tasks and edges at an unreadable
        // size: it opens at its first phases instead, and the user zooms out if they want.
        fitView={plan.tasks.length <= LARGE}
        defaultViewport={{ x: 16, y: 40, zoom: 0.8 }}
        fitViewOptions={{ padding: 0.1, maxZoom: 1 }}
        proOptions={{ hideAttribution: true }}
        aria-label="Task graph"
      >
        <Background gap={24} color="#f1f5f9" />
        <Controls showInteractive={false} />
      </ReactFlow>
      <div className="pointer-events-none absolute left-3 top-2 flex gap-3 rounded bg-white/90 px-2 py-1 text-[11px] text-slate-600 shadow-sm ring-1 ring-slate-200">
        <span className="font-medium">Task graph · {count(plan.tasks.length, "task")} · {count(phases, "phase")}</span>
        <span className="inline-flex items-center gap-1"><span className="inline-block w-5 border-t-2 border-slate-600" /> mandatory</span>
        <span className="inline-flex items-center gap-1"><span className="inline-block w-5 border-t-2 border-dashed border-slate-400" /> preferred</span>
      </div>
    </div>
  );
}

/** Its own provider: the page has two React Flow views. */
export function TaskGraph({ plan }: { plan: GroupPlan }) {
  return (
    <ReactFlowProvider>
      <TaskGraphView plan={plan} />
    </ReactFlowProvider>
  );
}
