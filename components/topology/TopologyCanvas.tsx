"use client";
import "@xyflow/react/dist/style.css";
import { useCallback, useEffect, useRef, useState } from "react";
import {
  applyEdgeChanges,
  applyNodeChanges,
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  type Connection,
  type EdgeChange,
  type FinalConnectionState,
  type NodeChange,
  type OnSelectionChangeParams,
  useReactFlow,
} from "@xyflow/react";
import { NODE_HEIGHT, NODE_WIDTH } from "./model/layout";
import type { TopologyDocument } from "@/lib/topologies/document";
import { DeviceNode, type DeviceNodeType } from "./DeviceNode";
import { LinkEdge, type LinkEdgeType } from "./LinkEdge";
import { Legend } from "./Legend";
import { toFlowEdges, toFlowNodes } from "./flow";

const nodeTypes = { device: DeviceNode };
const edgeTypes = { link: LinkEdge };
const DELETE_KEYS = ["Backspace", "Delete"];

export interface Selection {
  nodes: string[];
  links: number[];
}

/** A request to select (and optionally centre on) nodes and links; `seq` makes each request new. */
export interface FocusRequest extends Selection {
  center: boolean;
  seq: number;
}

export interface CanvasProps {
  doc: TopologyDocument;
  colors: ReadonlyMap<string, string>;
  editable: boolean;
  /** A node was dragged: its final position(s). */
  onMove(moves: Map<string, { x: number; y: number }>): void;
  /** A link was drawn from `client`'s client handle to `server`. */
  onConnect(client: string, server: string): void;
  onDelete(selection: Selection): void;
  onSelection(selection: Selection): void;
  focus: FocusRequest | null;
  children?: React.ReactNode;
}

/** The id of the node under the pointer, if any (a link dropped on a node's body, not its handle). */
function nodeAt(event: MouseEvent | TouchEvent): string | null {
  const point = "changedTouches" in event ? event.changedTouches[0] : event;
  if (!point) return null;
  const el = document.elementFromPoint(point.clientX, point.clientY);
  return el?.closest<HTMLElement>(".react-flow__node")?.dataset.id ?? null;
}

export function TopologyCanvas({ doc, colors, editable, onMove, onConnect, onDelete, onSelection, focus, children }: CanvasProps) {
  const { setCenter, getZoom } = useReactFlow();
  const [nodes, setNodes] = useState<DeviceNodeType[]>(() => toFlowNodes(doc, []));
  const [edges, setEdges] = useState<LinkEdgeType[]>(() => toFlowEdges(doc, colors, []));

  // The document is the truth; React Flow's arrays follow it (keeping selection and
  // measurements), and a focus request selects what it names. Adjusted during render when an
  // input changes (React's "adjusting state when a prop changes"), so no stale frame is drawn
  // and a focus that follows an edit (a renamed node) sees the rebuilt arrays.
  const [synced, setSynced] = useState({ doc, colors, seq: focus?.seq });
  if (synced.doc !== doc || synced.colors !== colors || synced.seq !== focus?.seq) {
    setSynced({ doc, colors, seq: focus?.seq });
    const docChanged = synced.doc !== doc;
    const edgesChanged = docChanged || synced.colors !== colors;
    const select = focus && synced.seq !== focus.seq ? { nodes: new Set(focus.nodes), links: new Set(focus.links.map((i) => `L${i}`)) } : null;
    setNodes((prev) => {
      const next = docChanged ? toFlowNodes(doc, prev) : prev;
      return select ? next.map((n) => (!!n.selected === select.nodes.has(n.id) ? n : { ...n, selected: select.nodes.has(n.id) })) : next;
    });
    setEdges((prev) => {
      const next = edgesChanged ? toFlowEdges(doc, colors, prev) : prev;
      return select ? next.map((e) => (!!e.selected === select.links.has(e.id) ? e : { ...e, selected: select.links.has(e.id) })) : next;
    });
  }

  // Centring moves the viewport (a side effect): once per focus request that asks for it, with
  // the document as it is then.
  const centred = useRef<number | undefined>(undefined);
  useEffect(() => {
    if (!focus?.center || centred.current === focus.seq) return;
    centred.current = focus.seq;
    const byId = new Map(doc.nodes.map((n) => [n.id, n]));
    const link = focus.links.length ? doc.links[focus.links[0]] : undefined;
    const targets = (focus.nodes.length ? focus.nodes.slice(0, 1) : link ? [link.client, link.server] : []).map((id) => byId.get(id)).filter((n) => n?.x !== undefined);
    if (targets.length === 0) return;
    const x = targets.reduce((s, n) => s + n!.x!, 0) / targets.length + NODE_WIDTH / 2;
    const y = targets.reduce((s, n) => s + n!.y!, 0) / targets.length + NODE_HEIGHT / 2;
    setCenter(x, y, { zoom: Math.max(getZoom(), 0.9), duration: 300 });
  }, [focus, doc, getZoom, setCenter]);

  // Removals go through onDelete, so the document (and undo) sees them; React Flow only applies
  // what is view state: drag positions, selection, measured sizes.
  const onNodesChange = useCallback((changes: NodeChange<DeviceNodeType>[]) => {
    const viewOnly = changes.filter((c) => c.type !== "remove" && c.type !== "add" && c.type !== "replace");
    if (viewOnly.length) setNodes((prev) => applyNodeChanges(viewOnly, prev));
  }, []);
  const onEdgesChange = useCallback((changes: EdgeChange<LinkEdgeType>[]) => {
    const viewOnly = changes.filter((c) => c.type === "select");
    if (viewOnly.length) setEdges((prev) => applyEdgeChanges(viewOnly, prev));
  }, []);

  const onNodeDragStop = useCallback(
    (_: unknown, _node: DeviceNodeType, dragged: DeviceNodeType[]) => onMove(new Map(dragged.map((n) => [n.id, n.position]))),
    [onMove],
  );

  // onConnect handles a drop on a handle; onConnectEnd also accepts a drop anywhere on a node.
  const handleConnect = useCallback((c: Connection) => onConnect(c.source, c.target), [onConnect]);
  const handleConnectEnd = useCallback(
    (event: MouseEvent | TouchEvent, state: FinalConnectionState) => {
      if (state.isValid || !state.fromNode) return;
      const other = nodeAt(event);
      if (!other || other === state.fromNode.id) return;
      if (state.fromHandle?.type === "target") onConnect(other, state.fromNode.id);
      else onConnect(state.fromNode.id, other);
    },
    [onConnect],
  );

  const handleDelete = useCallback(
    ({ nodes: n, edges: e }: { nodes: DeviceNodeType[]; edges: LinkEdgeType[] }) => onDelete({ nodes: n.map((x) => x.id), links: e.map((x) => x.data!.index) }),
    [onDelete],
  );
  const selectionRef = useRef("");
  const handleSelection = useCallback(
    ({ nodes: n, edges: e }: OnSelectionChangeParams) => {
      const next = { nodes: n.map((x) => x.id), links: e.map((x) => (x as LinkEdgeType).data!.index) };
      const key = JSON.stringify(next);
      if (key === selectionRef.current) return;
      selectionRef.current = key;
      onSelection(next);
    },
    [onSelection],
  );

  return (
    <div className="flex h-full flex-col">
      <Legend colors={colors} />
      <div className="min-h-0 flex-1">
        <ReactFlow<DeviceNodeType, LinkEdgeType>
          nodes={nodes}
          edges={edges}
          nodeTypes={nodeTypes}
          edgeTypes={edgeTypes}
          onNodesChange={onNodesChange}
          onEdgesChange={onEdgesChange}
          onNodeDragStop={onNodeDragStop}
          onConnect={handleConnect}
          onConnectEnd={handleConnectEnd}
          onDelete={handleDelete}
          onSelectionChange={handleSelection}
          nodesDraggable={editable}
          nodesConnectable={editable}
          deleteKeyCode={editable ? DELETE_KEYS : null}
          // At 1,000 nodes only what is on screen is drawn.
          onlyRenderVisibleElements
          connectionRadius={28}
          zoomOnDoubleClick={false}
          minZoom={0.05}
          maxZoom={2}
          fitView
          fitViewOptions={{ padding: 0.2, maxZoom: 1.1 }}
          proOptions={{ hideAttribution: true }}
          aria-label="Topology canvas"
        >
          <Background gap={24} color="#e2e8f0" />
          <Controls showInteractive={false} />
          {/* A small topology fits on screen; the overview earns its corner only for large ones. */}
          {doc.nodes.length > 50 && <MiniMap pannable zoomable style={{ width: 150, height: 100 }} nodeStrokeWidth={3} nodeColor={(n) => ((n as DeviceNodeType).data.node.direct ? "#6366f1" : "#94a3b8")} />}
          {children}
        </ReactFlow>
      </div>
    </div>
  );
}
