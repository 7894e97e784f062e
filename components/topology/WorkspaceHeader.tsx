"use client";
import { useEffect, useState } from "react";
import { Alert } from "@/components/ui/Card";
import { Button } from "@/components/ui/Button";

export interface Notice {
  kind: "error" | "success" | "info" | "warning";
  text: string;
  at: number;
}

/** Name (renamable), counts, status badges, the toolbar, and the last notice. */
export function WorkspaceHeader({
  name,
  canWrite,
  onRename,
  stats,
  badges,
  notice,
  onDismiss,
  children,
}: {
  name: string;
  canWrite: boolean;
  onRename(name: string): Promise<string | null>;
  stats: string;
  badges: React.ReactNode;
  notice: Notice | null;
  onDismiss(): void;
  children: React.ReactNode;
}) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(name);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  // Successes and hints fade; errors stay until dismissed or replaced.
  useEffect(() => {
    if (!notice || notice.kind === "error") return;
    const t = setTimeout(onDismiss, 6000);
    return () => clearTimeout(t);
  }, [notice, onDismiss]);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setPending(true);
    const problem = await onRename(draft);
    setPending(false);
    setError(problem);
    if (!problem) setEditing(false);
  };

  return (
    <div className="space-y-2">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div className="min-w-0">
          {editing ? (
            <form onSubmit={submit} className="flex items-center gap-2">
              <label htmlFor="topology-name" className="sr-only">Topology name</label>
              <input id="topology-name" autoFocus value={draft} onChange={(e) => setDraft(e.target.value)} aria-invalid={error ? true : undefined} className="rounded-md border border-slate-300 px-2 py-1 text-lg font-semibold aria-[invalid=true]:border-red-500" />
              <Button type="submit" disabled={pending}>{pending ? "Renaming…" : "Rename"}</Button>
              <Button type="button" variant="secondary" onClick={() => { setEditing(false); setError(null); setDraft(name); }}>Cancel</Button>
            </form>
          ) : (
            <h1 className="flex items-center gap-3 text-2xl font-semibold tracking-tight text-slate-900">
              <span className="truncate">{name}</span>
              {canWrite && <button type="button" onClick={() => { setDraft(name); setEditing(true); }} className="text-sm font-medium text-indigo-700 hover:underline">Rename</button>}
            </h1>
          )}
          {error && <p role="alert" className="text-sm text-red-700">{error}</p>}
          <p className="mt-1 flex flex-wrap items-center gap-2 text-sm text-slate-600">
            <span data-testid="topology-stats">{stats}</span> {badges}
          </p>
        </div>
        <div className="flex flex-wrap gap-2">{children}</div>
      </div>
      {notice && (
        <div className="relative" data-testid="notice">
          <Alert kind={notice.kind}>{notice.text}</Alert>
          <button type="button" aria-label="Dismiss" onClick={onDismiss} className="absolute right-3 top-2.5 text-slate-500 hover:text-slate-800">×</button>
        </div>
      )}
    </div>
  );
}
