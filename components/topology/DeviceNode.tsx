"use client";
import { memo } from "react";
import { Handle, Position, useStore, type Node, type NodeProps, type ReactFlowState } from "@xyflow/react";
import type { NodeStore } from "@/lib/rotation";
import type { DocNode } from "@/lib/topologies/document";
import { NODE_HEIGHT, NODE_WIDTH } from "./model/layout";
import { useKeyed, useOverlays, useValue } from "./overlay";
import { shortNodeMessage } from "./model/wording";

export type DeviceNodeType = Node<{ node: DocNode; role: string }, "device">;

const ROOT_CHIP: Record<NodeStore["roots"][number], { text: string; className: string; title: string }> = {
  old: { text: "old", className: "bg-slate-100 text-slate-700 ring-slate-300", title: "old root certificate" },
  distribution: { text: "bridge", className: "bg-amber-50 text-amber-800 ring-amber-300", title: "bridge root: the new key, signed by the old root, so the node can trust the new root before it has it (SPEC: distribution root certificate)" },
  new: { text: "new", className: "bg-emerald-50 text-emerald-800 ring-emerald-300", title: "new self-signed root certificate" },
};

function Chips({ store }: { store: NodeStore }) {
  return (
    <div className="mt-1.5 space-y-0.5 text-[10px] leading-none" data-testid="node-store">
      <div className="flex items-center gap-1">
        <span className="w-8 text-slate-500">roots</span>
        {store.roots.length === 0 && <span className="text-red-700">none</span>}
        {store.roots.map((r) => (
          <span key={r} title={ROOT_CHIP[r].title} className={`rounded px-1 py-0.5 font-medium ring-1 ring-inset ${ROOT_CHIP[r].className}`}>
            {ROOT_CHIP[r].text}
          </span>
        ))}
      </div>
      <div className="flex items-center gap-1">
        <span className="w-8 text-slate-500">cert</span>
        {store.certificates.length === 0 && <span className="text-slate-400">—</span>}
        {store.certificates.map((c) => (
          <span
            key={c}
            title={c === "new" ? "certificate re-signed with the new root key" : "certificate signed with the old root key"}
            className={`rounded px-1 py-0.5 font-medium ring-1 ring-inset ${c === "new" ? "bg-white text-emerald-800 ring-emerald-400" : "bg-white text-slate-600 ring-slate-300"}`}
          >
            {c}
          </span>
        ))}
      </div>
    </div>
  );
}

/** Below this zoom text is unreadable: nodes draw as plain boxes (a 1,000-node overview stays light). */
const FAR_ZOOM = 0.4;
const isFar = (s: ReactFlowState) => s.transform[2] < FAR_ZOOM;

/** The overview colour of a simulated store: how far the node has got. */
function progressColor(store: NodeStore): string {
  if (store.roots.length === 1 && store.roots[0] === "new") return "bg-emerald-400 border-emerald-600";
  if (store.certificates.includes("new")) return "bg-sky-300 border-sky-600";
  if (store.roots.includes("distribution") || store.roots.includes("new")) return "bg-amber-300 border-amber-600";
  return "bg-slate-200 border-slate-500";
}

/**
 * A device. The top handle is its client side (drag it onto a server to make this node that
 * server's client); the bottom handle is its server side. Overlays come from the node's own
 * subscriptions, so a change elsewhere does not re-render it.
 */
function DeviceNodeView({ id, data, selected }: NodeProps<DeviceNodeType>) {
  const o = useOverlays();
  const errors = useKeyed(o.nodeErrors, id);
  const simulating = useValue(o.simulating);
  const store = useKeyed(o.nodeSim, id);
  const mark = useKeyed(o.nodeMark, id);
  const far = useStore(isFar);
  const n = data.node;
  const inGroup = store !== undefined;
  const dim = simulating && !inGroup;

  if (far) {
    const fill = errors && !simulating ? "bg-red-200 border-red-600" : simulating && store ? progressColor(store) : n.direct ? "bg-indigo-200 border-indigo-600" : "bg-white border-slate-400";
    const ring = mark === "failing" ? "ring-8 ring-red-400" : mark === "current" ? "ring-8 ring-indigo-400" : selected ? "ring-4 ring-indigo-400" : "";
    return (
      <div data-testid={`node-${id}`} title={n.id} className={`rounded-lg border-4 ${fill} ${ring} ${dim ? "opacity-40" : ""}`} style={{ width: NODE_WIDTH, height: NODE_HEIGHT }}>
        <Handle type="source" position={Position.Top} id="client" style={{ opacity: 0 }} />
        <Handle type="target" position={Position.Bottom} id="server" style={{ opacity: 0 }} />
      </div>
    );
  }

  let frame = n.direct ? "border-indigo-500 bg-indigo-50/70 border-2" : "border-slate-300 bg-white border";
  if (errors && !simulating) frame = "border-red-500 bg-red-50 border-2";
  const ring = mark === "failing" ? "ring-4 ring-red-300" : mark === "current" ? "ring-4 ring-indigo-300" : selected ? "ring-2 ring-indigo-400" : "";

  return (
    <div
      data-testid={`node-${id}`}
      data-direct={n.direct || undefined}
      data-invalid={errors ? true : undefined}
      className={`relative rounded-lg px-3 py-2 shadow-sm ${frame} ${ring} ${dim ? "opacity-40" : ""}`}
      style={{ width: NODE_WIDTH, minHeight: NODE_HEIGHT }}
    >
      <Handle
        type="source"
        position={Position.Top}
        id="client"
        data-testid={`handle-client-${id}`}
        title="Drag onto a server to make this node its client"
        style={{ width: 12, height: 12, background: "#fff", border: "2px solid #6366f1" }}
      />
      <div className="flex items-center justify-between gap-1">
        <span className="truncate font-mono text-[13px] font-semibold text-slate-900" title={n.id}>{n.id}</span>
        <span className="flex shrink-0 gap-1">
          {n.direct && <span className="rounded bg-indigo-600 px-1 py-0.5 text-[9px] font-bold uppercase tracking-wide text-white" title="The CA reaches this node directly">direct</span>}
          {n.acceptsConnections && <span className="rounded bg-slate-700 px-1 py-0.5 text-[9px] font-bold uppercase tracking-wide text-white" title="Accepts connections (server function)">srv</span>}
        </span>
      </div>
      {n.label && <div className="truncate text-[11px] text-slate-700" title={n.label}>{n.label}</div>}
      <div className="truncate text-[11px] text-slate-500">{data.role}</div>
      {simulating && store && <Chips store={store} />}
      {simulating && !store && <div className="mt-1 text-[10px] text-slate-400">not in this group</div>}
      <Handle
        type="target"
        position={Position.Bottom}
        id="server"
        data-testid={`handle-server-${id}`}
        title="Clients connect here"
        style={{ width: 12, height: 12, background: n.acceptsConnections ? "#334155" : "#fff", border: "2px solid #334155" }}
      />
      {errors && !simulating && (
        <div role="alert" data-testid={`node-error-${id}`} title={errors.join("\n")} className="absolute inset-x-0 top-full z-10 mt-2 rounded border border-red-200 bg-white px-2 py-1 text-[11px] leading-snug text-red-700 shadow">
          {errors.map((m) => shortNodeMessage(id, m)).join(" · ")}
        </div>
      )}
    </div>
  );
}

export const DeviceNode = memo(DeviceNodeView);
