"use client";
import { memo, useCallback, useEffect, useRef, useState } from "react";
import type { PlannedTask } from "@/lib/rotation";
import { TASK_STATE_TONE } from "./colors";
import { formatRoute, KIND_TEXT } from "./model/procedure";
import type { TaskRunMark } from "./overlay";

const ROW = 46;
const OVERSCAN = 8;

interface RowProps {
  index: number;
  task: PlannedTask;
  state: "done" | "current" | "next" | "failing";
  showRequest: boolean;
  /** A rotation run's live state of the task: colours the row, shows attempts and the last error. */
  run?: TaskRunMark;
  /** false on a run page: the order is the run's, not the user's to edit. */
  movable: boolean;
  onGrab(e: React.PointerEvent, index: number): void;
  onPick(index: number): void;
  onNudge(index: number, delta: number): void;
}

const Row = memo(function Row({ index, task, state, showRequest, run, movable, onGrab, onPick, onNudge }: RowProps) {
  const tone = run
    ? TASK_STATE_TONE[run.state]
    : state === "failing"
      ? "border-red-300 bg-red-50"
      : state === "current"
        ? "border-indigo-300 bg-indigo-50"
        : state === "done"
          ? "border-slate-200 bg-white"
          : "border-slate-200 bg-slate-50/60 text-slate-500";
  return (
    <li
      data-testid={`step-${task.id}`}
      data-index={index}
      data-state={run?.state}
      aria-current={state === "current" ? "step" : undefined}
      aria-invalid={state === "failing" || undefined}
      onPointerDown={movable ? (e) => onGrab(e, index) : undefined}
      onClick={() => onPick(index)}
      onKeyDown={(e) => {
        if (movable && e.altKey && (e.key === "ArrowUp" || e.key === "ArrowDown")) {
          e.preventDefault();
          onNudge(index, e.key === "ArrowUp" ? -1 : 1);
        } else if (e.key === "Enter") onPick(index);
      }}
      tabIndex={0}
      title={`${task.id}: ${task.node ?? "CA"} ${KIND_TEXT[task.kind]}.\nRoute: ${formatRoute(task)}` + (run ? `\n${run.state}, attempt ${run.attempts}${run.lastError ? `\nLast error: ${run.lastError}` : ""}` : "\nDrag to reorder (or Alt+↑/↓).")}
      className={`absolute inset-x-0 mx-1 flex ${movable ? "cursor-grab select-none active:cursor-grabbing" : ""} items-start gap-2 rounded-md border px-2 py-1 text-xs leading-4 shadow-sm focus:outline-none focus:ring-2 focus:ring-indigo-300 ${tone}`}
      style={{ top: index * ROW + 3, height: ROW - 4 }}
    >
      <span className="mt-0.5 w-8 shrink-0 text-right font-mono tabular-nums text-slate-500">{index + 1}</span>
      <span className="min-w-0 flex-1">
        <span className="flex items-center gap-1.5">
          <span className="truncate font-mono font-semibold text-slate-900">{task.id}</span>
          <span className="shrink-0 rounded bg-slate-100 px-1 text-[10px] text-slate-600 ring-1 ring-slate-200">phase {task.phase + 1}</span>
          {showRequest && task.request !== null && <span className="shrink-0 text-[10px] text-slate-400" title="CA request number in the plan's order">req {task.request}</span>}
        </span>
        {run?.lastError && run.state !== "succeeded" ? (
          <span className="block truncate text-red-800" data-testid="step-error">{run.lastError}</span>
        ) : (
          <span className="block truncate text-slate-600" data-testid="step-route">{formatRoute(task)}</span>
        )}
      </span>
      {run ? (
        <span className="mt-0.5 shrink-0 text-right text-[10px] leading-4" data-testid="step-run-state">
          <span className="block font-semibold">{run.state}</span>
          {run.attempts > 0 && <span className="block opacity-80">attempt {run.attempts}</span>}
        </span>
      ) : (
        <span aria-hidden className="mt-1 select-none text-slate-400">⋮⋮</span>
      )}
    </li>
  );
});

export interface StepListProps {
  order: readonly string[];
  tasks: ReadonlyMap<string, PlannedTask>;
  step: number;
  /** 1-based failing step of the current order, if any. */
  failingStep: number | null;
  /** Request numbers belong to the plan's order; a reordered list hides them. */
  showRequests: boolean;
  /** Rotation run page: each task's live state; the list is then read-only. */
  runStates?: ReadonlyMap<string, TaskRunMark>;
  onMove?(from: number, to: number): void;
  onStep(k: number): void;
}

/**
 * The ordered steps, virtualised (a 1,000-node plan has about 3,000) and reorderable by dragging
 * with pointer events (press, move, release; the list scrolls near its edges). Native HTML5 drag
 * and drop did not start reliably (it failed in automated Chromium at the default viewport). The
 * drop position comes from the pointer's height in the list, so rows that are not rendered can
 * still be drop targets.
 */
export function StepList({ order, tasks, step, failingStep, showRequests, runStates, onMove, onStep }: StepListProps) {
  const movable = onMove !== undefined && runStates === undefined;
  const box = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 600 });
  const [dragFrom, setDragFrom] = useState<number | null>(null);
  const [dropAt, setDropAt] = useState<number | null>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setView({ top: el.scrollTop, height: el.clientHeight }));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // Keep the current step in view when it moves (slider, next/previous, a failing reorder).
  useEffect(() => {
    const el = box.current;
    if (!el || step === 0) return;
    const y = (step - 1) * ROW;
    if (y < el.scrollTop || y + ROW > el.scrollTop + el.clientHeight) el.scrollTop = Math.max(0, y - el.clientHeight / 2);
  }, [step]);

  const insertionAt = (clientY: number) => {
    const el = box.current!;
    const y = clientY - el.getBoundingClientRect().top + el.scrollTop;
    return Math.max(0, Math.min(order.length, Math.round(y / ROW)));
  };

  // A press on a row becomes a drag once the pointer moved a few pixels; a release without that
  // movement is a click (show the state after that step).
  const grab = useRef<{ from: number; y: number; dragging: boolean } | null>(null);
  const dragged = useRef(false);
  const onGrab = useCallback((e: React.PointerEvent, index: number) => {
    if (e.button !== 0) return;
    grab.current = { from: index, y: e.clientY, dragging: false };
    dragged.current = false;
  }, []);
  useEffect(() => {
    if (!movable) return;
    const move = (e: PointerEvent) => {
      const g = grab.current;
      if (!g) return;
      if (!g.dragging && Math.abs(e.clientY - g.y) < 4) return;
      g.dragging = true;
      const el = box.current;
      if (el) {
        const r = el.getBoundingClientRect();
        if (e.clientY < r.top + 24) el.scrollTop -= 12;
        else if (e.clientY > r.bottom - 24) el.scrollTop += 12;
      }
      setDragFrom(g.from);
      setDropAt(insertionAt(e.clientY));
    };
    const up = (e: PointerEvent) => {
      const g = grab.current;
      grab.current = null;
      if (!g?.dragging) return;
      dragged.current = true;
      const at = insertionAt(e.clientY);
      // Inserting below the dragged row's old place shifts the target up by one.
      onMove?.(g.from, at > g.from ? at - 1 : at);
      setDragFrom(null);
      setDropAt(null);
    };
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", up);
    window.addEventListener("pointercancel", up);
    return () => {
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", up);
      window.removeEventListener("pointercancel", up);
    };
  });
  const onPick = useCallback((index: number) => {
    // The click that ends a drag is not a pick.
    if (dragged.current) return void (dragged.current = false);
    onStep(index + 1);
  }, [onStep]);
  const onNudge = useCallback((index: number, delta: number) => onMove?.(index, index + delta), [onMove]);

  const first = Math.max(0, Math.floor(view.top / ROW) - OVERSCAN);
  const last = Math.min(order.length, Math.ceil((view.top + view.height) / ROW) + OVERSCAN);
  const rows = [];
  // The dragged row stays mounted while the list scrolls under it: unmounting the drag source
  // would end the drag.
  const indices: number[] = [];
  if (dragFrom !== null && (dragFrom < first || dragFrom >= last)) indices.push(dragFrom);
  for (let i = first; i < last; i++) indices.push(i);
  for (const i of indices) {
    const task = tasks.get(order[i]);
    if (!task) continue;
    const state = failingStep === i + 1 ? "failing" : i === step - 1 ? "current" : i < step ? "done" : "next";
    rows.push(<Row key={task.id} index={i} task={task} state={state} showRequest={showRequests} run={runStates?.get(task.id)} movable={movable} onGrab={onGrab} onPick={onPick} onNudge={onNudge} />);
  }

  return (
    <div
      ref={box}
      className={`relative flex-1 overflow-y-auto rounded-md border border-slate-200 bg-slate-50 ${movable ? "min-h-60" : "min-h-0"}`}
      data-testid="step-list"
      onScroll={(e) => setView({ top: e.currentTarget.scrollTop, height: e.currentTarget.clientHeight })}
    >
      <ol className="relative py-1" style={{ height: order.length * ROW + 8 }} aria-label="Steps of the update procedure">
        {rows}
      </ol>
      {dropAt !== null && <div className="pointer-events-none absolute inset-x-1 h-0.5 rounded bg-indigo-500" style={{ top: dropAt * ROW + 1 }} />}
    </div>
  );
}
