"use client";
import Link from "next/link";
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { ReactFlowProvider, useReactFlow } from "@xyflow/react";
import type { AuthMode } from "@/lib/rotation";
import { documentToJson, exportFilename, validateDocument, type TopologyDocument } from "@/lib/topologies/document";
import { addLink, addNode, deleteElements, moveNodes, updateLink, updateNode, type NodePatch } from "./model/edits";
import { commit, redo, startHistory, undo } from "./model/history";
import { freeSpot, needsLayout } from "./model/layout";
import { inWords, linkName } from "./model/wording";
import { useLeaveWarning } from "./useLeaveWarning";
import { Badge } from "@/components/ui/Card";
import { count } from "@/lib/plural";
import { Button } from "@/components/ui/Button";
import { groupColors } from "./colors";
import { Inspector } from "./Inspector";
import { OverlayContext, createOverlays } from "./overlay";
import { ProcedurePanel } from "./ProcedurePanel";
import { TaskGraph } from "./TaskGraph";
import { TopologyCanvas, type FocusRequest, type Selection } from "./TopologyCanvas";
import { useAutoLayout } from "./useAutoLayout";
import { useProcedure } from "./useProcedure";
import { ValidationList } from "./ValidationList";
import { WorkspaceHeader, type Notice } from "./WorkspaceHeader";

type SaveResult = { ok: true; updatedAt: string; errors: unknown[] } | { ok: false; message: string; conflict: boolean };
type RenameResult = { ok: true; name: string; updatedAt: string } | { ok: false; message: string; conflict: boolean };

export interface WorkspaceProps {
  id: string;
  name: string;
  document: TopologyDocument;
  updatedAt: string;
  canWrite: boolean;
  save(id: string, document: TopologyDocument, expectedUpdatedAt: string): Promise<SaveResult>;
  rename(id: string, name: string, expectedUpdatedAt: string): Promise<RenameResult>;
  /** Runs of this topology so far: the toolbar links to the page's Rotation section below the workspace. */
  rotationRuns?: number;
}

const NO_SELECTION: Selection = { nodes: [], links: [] };

/** Whether planning can change: ids, roles, links. Positions and labels cannot change a plan. */
function structureKey(doc: TopologyDocument): string {
  const nodes = doc.nodes.map((n) => `${n.id}\u0000${n.direct ? 1 : 0}${n.acceptsConnections ? 1 : 0}`).join("\u0001");
  const links = doc.links.map((l) => `${l.client}\u0000${l.server}\u0000${l.group}\u0000${l.auth}`).join("\u0001");
  return `${nodes}\u0002${links}`;
}

function Workspace({ id, name: initialName, document: initialDoc, updatedAt, canWrite, save, rename, rotationRuns }: WorkspaceProps) {
  const [history, setHistory] = useState(() => startHistory(initialDoc));
  const [saved, setSaved] = useState({ doc: initialDoc, updatedAt });
  const [name, setName] = useState(initialName);
  const [selection, setSelection] = useState<Selection>(NO_SELECTION);
  const [focus, setFocus] = useState<FocusRequest | null>(null);
  const [freshNode, setFreshNode] = useState<string | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [tab, setTab] = useState<"edit" | "procedure">("edit");
  const [saving, setSaving] = useState(false);
  const [overlays] = useState(createOverlays);
  const layout = useAutoLayout();
  const flow = useReactFlow();
  const canvasBox = useRef<HTMLDivElement>(null);

  const doc = history.present;
  // Callbacks read the latest document without being recreated on every edit.
  const docRef = useRef(doc);
  useLayoutEffect(() => {
    docRef.current = doc;
  }, [doc]);
  const dirty = doc !== saved.doc;

  const validation = useMemo(() => validateDocument(doc), [doc]);
  const errors = useMemo(() => (validation.ok ? [] : validation.errors), [validation]);
  const structure = useMemo(() => structureKey(doc), [doc]);
  // The validated topology changes only with the structure, so moving a node keeps the procedure.
  // Kept as state and replaced during render only when the structure changes.
  const [kept, setKept] = useState({ structure, topology: validation.ok ? validation.topology : null });
  if (kept.structure !== structure || (kept.topology === null) === validation.ok) setKept({ structure, topology: validation.ok ? validation.topology : null });
  const topology = kept.structure === structure && (kept.topology !== null) === validation.ok ? kept.topology : validation.ok ? validation.topology : null;
  const groupsKey = useMemo(() => [...new Set(doc.links.map((l) => l.group))].join("\u0000"), [doc.links]);
  const colors = useMemo(() => groupColors(groupsKey ? groupsKey.split("\u0000") : []), [groupsKey]);

  // Validation messages go onto the nodes and links at fault.
  useEffect(() => {
    const nodes = new Map<string, string[]>();
    const links = new Map<number, string[]>();
    for (const e of errors) {
      // Errors change with the document, so docRef holds the document they were found in.
      const message = inWords(docRef.current, e.message);
      if (e.linkIndex !== undefined) links.set(e.linkIndex, [...(links.get(e.linkIndex) ?? []), message]);
      else if (e.nodeId !== undefined) nodes.set(e.nodeId, [...(nodes.get(e.nodeId) ?? []), message]);
    }
    overlays.nodeErrors.replace(nodes);
    overlays.linkErrors.replace(links);
  }, [errors, overlays]);

  const say = useCallback((text: string, kind: Notice["kind"] = "error") => setNotice({ text, kind, at: Date.now() }), []);
  const change = useCallback((next: TopologyDocument, label: string) => setHistory((h) => commit(h, next, label)), []);
  const focusOn = useCallback((s: Selection, center = true) => setFocus((f) => ({ ...s, center, seq: (f?.seq ?? 0) + 1 })), []);

  const onFailure = useCallback((linkIndex: number | null, node: string | null) => {
    if (linkIndex !== null) focusOn({ nodes: [], links: [linkIndex] });
    else if (node) focusOn({ nodes: [node], links: [] });
  }, [focusOn]);
  const procedure = useProcedure(topology, overlays, tab === "procedure", onFailure);

  // --- edits -------------------------------------------------------------------------------
  const onMove = useCallback((moves: Map<string, { x: number; y: number }>) => {
    change(moveNodes(docRef.current, moves), moves.size === 1 ? `Move ${[...moves.keys()][0]}` : `Move ${moves.size} nodes`);
  }, [change]);
  const onConnect = useCallback((client: string, server: string) => {
    const r = addLink(docRef.current, client, server);
    if (r.ok) change(r.doc, `Link ${client} → ${server}`);
    else say(r.error);
  }, [change, say]);
  const onDelete = useCallback((s: Selection) => {
    change(deleteElements(docRef.current, s), "Delete");
    setSelection(NO_SELECTION);
  }, [change]);
  const onSelection = useCallback((s: Selection) => {
    setSelection(s);
    // The id field takes focus once, right after "Add node"; not every time the node is selected.
    setFreshNode((fresh) => (fresh !== null && s.nodes.length === 1 && s.nodes[0] === fresh ? fresh : null));
  }, []);
  const onUpdateNode = useCallback((nodeId: string, patch: NodePatch) => {
    const r = updateNode(docRef.current, nodeId, patch);
    if (!r.ok) return r.error;
    change(r.doc, `Edit ${nodeId}`);
    if (patch.id !== undefined && patch.id.trim() !== nodeId) {
      const renamed = { nodes: [patch.id.trim()], links: [] };
      // The inspector follows the new id at once (not a frame later, when the canvas reports
      // the selection): the field the user tabs into stays mounted and keeps the focus.
      setSelection(renamed);
      focusOn(renamed, false);
    }
    return null;
  }, [change, focusOn]);
  const onUpdateLink = useCallback((index: number, patch: { group?: string; auth?: AuthMode }) => {
    const r = updateLink(docRef.current, index, patch);
    if (!r.ok) return r.error;
    change(r.doc, `Edit link ${linkName(docRef.current, index)}`);
    return null;
  }, [change]);

  const onAddNode = () => {
    const rect = canvasBox.current?.getBoundingClientRect();
    const centre = rect ? flow.screenToFlowPosition({ x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 }) : { x: 0, y: 0 };
    // The free place nearest the middle of the view: new nodes never land on top of each other.
    const r = addNode(doc, freeSpot(doc, centre));
    change(r.doc, `Add ${r.id}`);
    setTab("edit");
    setFreshNode(r.id);
    focusOn({ nodes: [r.id], links: [] }, false);
  };

  const runLayout = useCallback(async (label: string) => {
    const positions = await layout.run(docRef.current);
    if (!positions) return;
    change(moveNodes(docRef.current, positions), label);
    setTimeout(() => flow.fitView({ padding: 0.1, duration: 200 }), 50);
  }, [layout, change, flow]);

  // Imports from inventory or the CLI format carry no positions: lay them out once, on open.
  const laidOutOnOpen = useRef(false);
  useEffect(() => {
    if (laidOutOnOpen.current || !needsLayout(initialDoc)) return;
    laidOutOnOpen.current = true;
    void runLayout("Auto layout").then(() => say("The nodes had no positions, so they were laid out automatically. Save to keep the layout.", "info"));
  }, [initialDoc, runLayout, say]);

  const doUndo = useCallback(() => setHistory(undo), []);
  const doRedo = useCallback(() => setHistory(redo), []);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      // Text fields keep their own undo.
      if (t && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName))) return;
      if (!(e.ctrlKey || e.metaKey)) return;
      const key = e.key.toLowerCase();
      if (key === "z" && !e.shiftKey) doUndo();
      else if ((key === "z" && e.shiftKey) || key === "y") doRedo();
      else return;
      e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [doUndo, doRedo]);

  useLeaveWarning(dirty && canWrite, "This topology has unsaved changes. Leave and lose them?");

  // --- save, rename, export -------------------------------------------------------------------
  const onSave = async () => {
    const at = doc;
    setSaving(true);
    try {
      const r = await save(id, at, saved.updatedAt);
      if (!r.ok) return say(r.message);
      setSaved({ doc: at, updatedAt: r.updatedAt });
      say(r.errors.length ? `Saved as a draft with ${r.errors.length} ${r.errors.length === 1 ? "problem" : "problems"}.` : "Saved.", r.errors.length ? "warning" : "success");
    } catch {
      say("The server could not be reached; nothing was saved.");
    } finally {
      setSaving(false);
    }
  };
  const onRename = async (next: string): Promise<string | null> => {
    const r = await rename(id, next, saved.updatedAt);
    if (!r.ok) return r.message;
    setName(r.name);
    setSaved((s) => ({ ...s, updatedAt: r.updatedAt }));
    return null;
  };
  const onExport = () => {
    const url = URL.createObjectURL(new Blob([documentToJson(doc)], { type: "application/json" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = exportFilename(name);
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  const showGraph = tab === "procedure" && procedure.group !== null;
  const groups = colors.size;
  // The canvas changes height when the task graph opens or closes: fit the topology again.
  const firstFit = useRef(true);
  useEffect(() => {
    if (firstFit.current) return void (firstFit.current = false);
    const t = setTimeout(() => flow.fitView({ padding: 0.15, duration: 200, maxZoom: 1.1 }), 60);
    return () => clearTimeout(t);
  }, [showGraph, flow]);

  return (
    <OverlayContext.Provider value={overlays}>
      <div className="flex h-[calc(100vh-4rem)] min-h-[640px] flex-col gap-3">
        <Link href="/topologies" className="text-sm text-indigo-700 hover:underline">← Topologies</Link>
        <WorkspaceHeader
          name={name}
          canWrite={canWrite}
          onRename={onRename}
          stats={`${count(doc.nodes.length, "node")} · ${count(doc.links.length, "link")} · ${count(groups, "group")}`}
          badges={
            <>
              {doc.nodes.length === 0 ? <Badge>empty</Badge> : errors.length === 0 ? <Badge tone="green">valid</Badge> : <Badge tone="red">{errors.length} {errors.length === 1 ? "problem" : "problems"}</Badge>}
              {canWrite && (dirty ? <Badge tone="amber">unsaved changes</Badge> : <Badge>saved</Badge>)}
            </>
          }
          notice={notice}
          onDismiss={() => setNotice(null)}
        >
          <Button variant="secondary" onClick={doUndo} disabled={history.past.length === 0} title={history.presentLabel ? `Undo: ${history.presentLabel} (Ctrl+Z)` : "Undo (Ctrl+Z)"}>Undo</Button>
          <Button variant="secondary" onClick={doRedo} disabled={history.future.length === 0} title={history.future[0] ? `Redo: ${history.future[0].label} (Ctrl+Shift+Z)` : "Redo (Ctrl+Shift+Z)"}>Redo</Button>
          {canWrite && <Button variant="secondary" onClick={onAddNode}>Add node</Button>}
          <Button variant="secondary" onClick={() => void runLayout("Auto layout")} disabled={layout.running || doc.nodes.length === 0}>{layout.running ? "Laying out…" : "Auto layout"}</Button>
          <Button variant="secondary" onClick={onExport}>Export JSON</Button>
          {rotationRuns !== undefined && <a href="#rotation" className="inline-flex items-center rounded-md px-3.5 py-2 text-sm font-semibold text-indigo-700 ring-1 ring-indigo-200 hover:bg-indigo-50">Rotation{rotationRuns ? ` (${rotationRuns} ${rotationRuns === 1 ? "run" : "runs"})` : ""} ↓</a>}
          {canWrite && <Button onClick={onSave} disabled={!dirty || saving}>{saving ? "Saving…" : "Save"}</Button>}
        </WorkspaceHeader>

        <div className="flex min-h-0 flex-1 gap-3">
          <div className="flex min-w-0 flex-1 flex-col gap-3">
            <div ref={canvasBox} className={`relative min-h-0 overflow-hidden rounded-lg border border-slate-200 bg-white shadow-sm ${showGraph ? "flex-[3]" : "flex-1"}`} data-testid="topology-canvas">
              <TopologyCanvas doc={doc} colors={colors} editable={canWrite} onMove={onMove} onConnect={onConnect} onDelete={onDelete} onSelection={onSelection} focus={focus} />
              {doc.nodes.length === 0 && (
                <div className="pointer-events-none absolute inset-0 flex items-center justify-center text-sm text-slate-500">
                  {canWrite ? "An empty topology: use “Add node” to start, or import a JSON file from the list." : "This topology is empty."}
                </div>
              )}
            </div>
            {showGraph && (
              <div className="min-h-0 flex-[2] overflow-hidden rounded-lg border border-slate-200 bg-white shadow-sm">
                <TaskGraph key={`${procedure.seq}:${procedure.group!.group}`} plan={procedure.group!} />
              </div>
            )}
          </div>

          <aside className="flex w-[400px] shrink-0 flex-col overflow-hidden rounded-lg border border-slate-200 bg-white shadow-sm">
            <div role="tablist" className="flex border-b border-slate-200 text-sm font-medium">
              {(["edit", "procedure"] as const).map((t) => (
                <button
                  key={t}
                  role="tab"
                  aria-selected={tab === t}
                  onClick={() => setTab(t)}
                  className={`flex-1 px-4 py-2.5 ${tab === t ? "border-b-2 border-indigo-600 text-indigo-700" : "text-slate-600 hover:text-slate-900"}`}
                >
                  {t === "edit" ? "Edit" : "Procedure"}
                </button>
              ))}
            </div>
            <div className="flex min-h-0 flex-1 flex-col overflow-y-auto p-4">
              {tab === "edit" ? (
                <div className="space-y-6">
                  <Inspector doc={doc} selection={selection} editable={canWrite} updateNode={onUpdateNode} updateLink={onUpdateLink} remove={onDelete} freshNode={freshNode} />
                  <section className="border-t border-slate-200 pt-4">
                    <h3 className="mb-2 text-sm font-semibold text-slate-800">Validation</h3>
                    <ValidationList doc={doc} errors={errors} onFocus={(s) => focusOn(s)} />
                  </section>
                </div>
              ) : (
                <ProcedurePanel p={procedure} valid={topology !== null && doc.nodes.length > 0} doc={doc} onFocus={(s) => focusOn(s)} />
              )}
            </div>
          </aside>
        </div>
      </div>
    </OverlayContext.Provider>
  );
}

/** The topology editor and procedure planner of one stored topology. */
export function TopologyWorkspace(props: WorkspaceProps) {
  return (
    <ReactFlowProvider>
      <Workspace {...props} />
    </ReactFlowProvider>
  );
}
