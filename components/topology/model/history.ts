/**
 * Undo/redo over whole documents. Documents are immutable and share unchanged nodes and links
 * (see edits.ts), so a snapshot costs two arrays, and "unsaved" is a reference comparison.
 */
import type { TopologyDocument } from "@/lib/topologies/document";

export const HISTORY_LIMIT = 200;

export interface History {
  past: { doc: TopologyDocument; label: string }[];
  present: TopologyDocument;
  /** What the last change was called ("Move 30-1"), for the undo button's tooltip. */
  presentLabel: string;
  future: { doc: TopologyDocument; label: string }[];
}

export function startHistory(doc: TopologyDocument): History {
  return { past: [], present: doc, presentLabel: "", future: [] };
}

/** Records a change; a change to the same document is no change (e.g. a click without a drag). */
export function commit(h: History, doc: TopologyDocument, label: string): History {
  if (doc === h.present) return h;
  const past = [...h.past, { doc: h.present, label: h.presentLabel }];
  if (past.length > HISTORY_LIMIT) past.splice(0, past.length - HISTORY_LIMIT);
  return { past, present: doc, presentLabel: label, future: [] };
}

export function undo(h: History): History {
  const prev = h.past[h.past.length - 1];
  if (!prev) return h;
  return { past: h.past.slice(0, -1), present: prev.doc, presentLabel: prev.label, future: [{ doc: h.present, label: h.presentLabel }, ...h.future] };
}

export function redo(h: History): History {
  const next = h.future[0];
  if (!next) return h;
  return { past: [...h.past, { doc: h.present, label: h.presentLabel }], present: next.doc, presentLabel: next.label, future: h.future.slice(1) };
}
