"use client";
import { useMemo, useState } from "react";
import type { AuthMode } from "@/lib/rotation";
import type { DocLink, DocNode, TopologyDocument } from "@/lib/topologies/document";
import type { NodePatch } from "./model/edits";
import { Button } from "@/components/ui/Button";
import type { Selection } from "./TopologyCanvas";
import { count as counted } from "@/lib/plural";

export interface InspectorProps {
  doc: TopologyDocument;
  selection: Selection;
  editable: boolean;
  /** Each returns an error message, or null when the change was made. */
  updateNode(id: string, patch: NodePatch): string | null;
  updateLink(index: number, patch: { group?: string; auth?: AuthMode }): string | null;
  remove(selection: Selection): void;
}

const input =
  "block w-full rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-200 disabled:bg-slate-50 aria-[invalid=true]:border-red-500";

/** A text field that commits on Enter or when it loses focus, and shows the refusal beside it. */
function CommitField({ label, value, disabled, placeholder, autoFocus, onCommit }: { label: string; value: string; disabled: boolean; placeholder?: string; autoFocus?: boolean; onCommit(v: string): string | null }) {
  const [text, setText] = useState(value);
  const [error, setError] = useState<string | null>(null);
  // Undo/redo change the value underneath the field: adopt it during render (React's
  // "adjusting state when a prop changes"), not in an effect that renders twice.
  const [shown, setShown] = useState(value);
  if (shown !== value) {
    setShown(value);
    setText(value);
    setError(null);
  }
  const commit = () => {
    if (text === value) return setError(null);
    setError(onCommit(text));
  };
  const id = `inspector-${label.toLowerCase().replace(/\W+/g, "-")}`;
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-xs font-medium text-slate-600">{label}</label>
      <input
        id={id}
        className={input}
        value={text}
        disabled={disabled}
        placeholder={placeholder}
        autoFocus={autoFocus}
        onFocus={autoFocus ? (e) => e.currentTarget.select() : undefined}
        aria-invalid={error ? true : undefined}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === "Enter") commit();
          if (e.key === "Escape") {
            setText(value);
            setError(null);
          }
        }}
      />
      {error && <p role="alert" className="text-xs text-red-700">{error}</p>}
    </div>
  );
}

function Check({ label, hint, checked, disabled, onChange }: { label: string; hint: string; checked: boolean; disabled: boolean; onChange(v: boolean): void }) {
  return (
    <label className="flex items-start gap-2 text-sm">
      <input type="checkbox" className="mt-0.5 h-4 w-4 accent-indigo-600" checked={checked} disabled={disabled} onChange={(e) => onChange(e.target.checked)} />
      <span>
        <span className="font-medium text-slate-800">{label}</span>
        <span className="block text-xs text-slate-500">{hint}</span>
      </span>
    </label>
  );
}

function NodeInspector({ node, doc, editable, updateNode, remove, fresh }: { node: DocNode; doc: TopologyDocument; editable: boolean; fresh: boolean } & Pick<InspectorProps, "updateNode" | "remove">) {
  const { serverOf, clientOf } = useMemo(() => {
    const s: string[] = [];
    const c: string[] = [];
    for (const l of doc.links) {
      if (l.server === node.id) s.push(l.client);
      if (l.client === node.id) c.push(l.server);
    }
    return { serverOf: s, clientOf: c };
  }, [doc.links, node.id]);
  return (
    <div className="space-y-3" data-testid="node-inspector">
      <h3 className="text-sm font-semibold text-slate-800">Node</h3>
      <CommitField label="Node id" value={node.id} disabled={!editable} autoFocus={fresh} onCommit={(v) => updateNode(node.id, { id: v })} />
      <CommitField label="Label" value={node.label ?? ""} disabled={!editable} placeholder="e.g. Printer, 3rd floor" onCommit={(v) => updateNode(node.id, { label: v })} />
      <Check label="Direct" hint="The CA reaches this node over its own secure channel." checked={node.direct} disabled={!editable} onChange={(v) => updateNode(node.id, { direct: v })} />
      <Check label="Accepts connections" hint="It has a server function: other nodes can be its clients." checked={node.acceptsConnections} disabled={!editable} onChange={(v) => updateNode(node.id, { acceptsConnections: v })} />
      <dl className="space-y-1 rounded-md bg-slate-50 p-2 text-xs">
        <div><dt className="inline text-slate-500">Client of: </dt><dd className="inline font-mono">{clientOf.join(", ") || "—"}</dd></div>
        <div><dt className="inline text-slate-500">Server for: </dt><dd className="inline font-mono">{serverOf.join(", ") || "—"}</dd></div>
      </dl>
      {editable && <Button variant="secondary" className="w-full text-red-700" onClick={() => remove({ nodes: [node.id], links: [] })}>Delete node and its links</Button>}
    </div>
  );
}

const NEW_GROUP = "\u0000new";

/**
 * The link's root key group: a choice of the groups the topology has, or "New group…" and a name.
 * A free-text field let a typo create a new group without a word.
 */
function GroupField({ value, groups, disabled, onCommit }: { value: string; groups: string[]; disabled: boolean; onCommit(v: string): string | null }) {
  const [adding, setAdding] = useState(false);
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const choices = groups.includes(value) ? groups : [value, ...groups];
  const add = () => {
    const v = name.trim();
    if (!v) return setError("Type a name for the new group.");
    const problem = onCommit(v);
    setError(problem);
    if (!problem) setAdding(false);
  };
  return (
    <div className="space-y-1">
      <label htmlFor="inspector-group" className="block text-xs font-medium text-slate-600">Root key group</label>
      <select
        id="inspector-group"
        className={input}
        value={adding ? NEW_GROUP : value}
        disabled={disabled}
        onChange={(e) => {
          setError(null);
          if (e.target.value === NEW_GROUP) return setAdding(true);
          setAdding(false);
          setError(onCommit(e.target.value));
        }}
      >
        {choices.map((g) => <option key={g} value={g}>{g}</option>)}
        <option value={NEW_GROUP}>New group…</option>
      </select>
      {adding && (
        <div className="flex gap-2">
          <label htmlFor="inspector-new-group" className="sr-only">New group name</label>
          <input
            id="inspector-new-group"
            autoFocus
            className={input}
            placeholder="Name of the new group"
            value={name}
            aria-invalid={error ? true : undefined}
            onChange={(e) => setName(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter") add();
              if (e.key === "Escape") setAdding(false);
            }}
          />
          <Button type="button" variant="secondary" onClick={add}>Add</Button>
        </div>
      )}
      {error && <p role="alert" className="text-xs text-red-700">{error}</p>}
    </div>
  );
}

function LinkInspector({ link, index, groups, editable, updateLink, remove }: { link: DocLink; index: number; groups: string[]; editable: boolean } & Pick<InspectorProps, "updateLink" | "remove">) {
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="space-y-3" data-testid="link-inspector">
      <h3 className="text-sm font-semibold text-slate-800">Link</h3>
      <p className="text-sm"><span className="font-mono font-medium">{link.client}</span> <span className="text-slate-500">is a client of</span> <span className="font-mono font-medium">{link.server}</span></p>
      <GroupField value={link.group} groups={groups} disabled={!editable} onCommit={(v) => updateLink(index, { group: v })} />
      <div className="space-y-1">
        <label htmlFor="inspector-auth" className="block text-xs font-medium text-slate-600">Authentication</label>
        <select id="inspector-auth" className={input} value={link.auth} disabled={!editable} onChange={(e) => setError(updateLink(index, { auth: e.target.value as AuthMode }))}>
          <option value="mutual">mutual (both ends authenticate)</option>
          <option value="one-way">one-way (only the client authenticates the server)</option>
        </select>
        {error && <p role="alert" className="text-xs text-red-700">{error}</p>}
      </div>
      {editable && <Button variant="secondary" className="w-full text-red-700" onClick={() => remove({ nodes: [], links: [index] })}>Delete link</Button>}
    </div>
  );
}

/** Properties of the selected node or link. `freshNode` is a node just added: its id field takes focus. */
export function Inspector({ doc, selection, editable, updateNode, updateLink, remove, freshNode }: InspectorProps & { freshNode: string | null }) {
  const groups = useMemo(() => [...new Set(doc.links.map((l) => l.group))], [doc.links]);
  const count = selection.nodes.length + selection.links.length;
  if (count === 0)
    return (
      <div className="space-y-2 text-sm text-slate-600">
        <p>Select a node or a link to edit it.</p>
        <ul className="list-disc space-y-1 pl-5 text-xs text-slate-500">
          <li><b>Add node</b>, then type its id.</li>
          <li>Drag from a node&apos;s <b>top handle</b> onto a server to make it that server&apos;s client.</li>
          <li>Delete removes the selection; Ctrl+Z / Ctrl+Shift+Z undo and redo.</li>
        </ul>
      </div>
    );
  if (count > 1)
    return (
      <div className="space-y-3 text-sm">
        <p>{counted(selection.nodes.length, "node")} and {counted(selection.links.length, "link")} selected.</p>
        {editable && <Button variant="secondary" className="w-full text-red-700" onClick={() => remove(selection)}>Delete selection</Button>}
      </div>
    );
  if (selection.nodes.length === 1) {
    const at = doc.nodes.findIndex((n) => n.id === selection.nodes[0]);
    const node = doc.nodes[at];
    // Keyed by place, not id: renaming a node (its id field commits on Tab) must not remount the
    // form and drop the focus on its way to the label. The fields adopt values changed underneath.
    return node ? <NodeInspector key={`node-${at}`} node={node} doc={doc} editable={editable} updateNode={updateNode} remove={remove} fresh={freshNode === node.id} /> : null;
  }
  const index = selection.links[0];
  const link = doc.links[index];
  return link ? <LinkInspector key={`${index}:${link.client}>${link.server}:${link.group}`} link={link} index={index} groups={groups} editable={editable} updateLink={updateLink} remove={remove} /> : null;
}
