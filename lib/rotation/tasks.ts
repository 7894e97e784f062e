import type { Csr } from "./dag";
import type { GroupGraph } from "./graph";
import type { Mode, TaskKind } from "./model";

/** Kind codes of the integer task table; index into KIND_NAMES. */
export const CREATE_ROOT = 0;
export const STORE_ROOT = 1;
export const STORE_CERT = 2;
export const REPLACE_ROOT = 3;
export const CREATE_ROOT_BUNDLE = 4;
export const BUNDLE = 5;
export const DISCARD_OLD = 6;

export const KIND_NAMES: readonly TaskKind[] = [
  "create-root",
  "store-root",
  "store-cert",
  "replace-root",
  "create-root-bundle",
  "bundle",
  "discard-old",
];

/** The CA's own tasks carry no node and need no request. */
export function isCaKind(kind: number): boolean {
  return kind === CREATE_ROOT || kind === CREATE_ROOT_BUNDLE;
}

export function taskId(kind: TaskKind, nodeId: string | null): string {
  return nodeId === null ? kind : `${kind}:${nodeId}`;
}

/**
 * A group's tasks and their constraints as integers (task index = position). Tasks are created
 * kind by kind in node order, so "creation order" is a readable tie-break for schedules.
 */
export interface TaskTable {
  graph: GroupGraph;
  mode: Mode;
  count: number;
  kind: Uint8Array;
  /** Local node index, -1 for the CA's own task. */
  node: Int32Array;
  ids: string[];
  /** Mandatory predecessors. */
  mandatory: Csr;
  /** Preferred predecessors (R3), disjoint from the mandatory ones. */
  preferred: Csr;
  /** byKind[kindCode][localNode] = task index or -1. */
  byKind: Int32Array[];
}

/** Grows a task table kind by kind. */
export class TaskTableBuilder {
  readonly kinds: number[] = [];
  readonly nodes: number[] = [];
  readonly ids: string[] = [];
  readonly byKind: Int32Array[];

  constructor(private readonly graph: GroupGraph) {
    this.byKind = KIND_NAMES.map(() => new Int32Array(graph.nodeIds.length).fill(-1));
  }

  add(kind: number, node: number): number {
    const t = this.kinds.length;
    this.kinds.push(kind);
    this.nodes.push(node);
    this.ids.push(taskId(KIND_NAMES[kind], node < 0 ? null : this.graph.nodeIds[node]));
    if (node >= 0) this.byKind[kind][node] = t;
    return t;
  }

  get count(): number {
    return this.kinds.length;
  }

  finish(mode: Mode, mandatory: Csr, preferred: Csr): TaskTable {
    return {
      graph: this.graph,
      mode,
      count: this.count,
      kind: Uint8Array.from(this.kinds),
      node: Int32Array.from(this.nodes),
      ids: this.ids,
      mandatory,
      preferred,
      byKind: this.byKind,
    };
  }
}

const indexCache = new WeakMap<TaskTable, Map<string, number>>();

/** Task id → task index, built once per table (simulate and check both need it). */
export function taskIndexOf(table: TaskTable): Map<string, number> {
  let index = indexCache.get(table);
  if (!index) {
    index = new Map();
    for (let t = 0; t < table.count; t++) index.set(table.ids[t], t);
    indexCache.set(table, index);
  }
  return index;
}
