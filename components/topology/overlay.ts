/**
 * Per-node and per-link overlays (validation messages, simulated stores and link statuses) kept
 * outside React Flow's node and edge arrays. Each node or edge component subscribes to its own key,
 * so stepping through a procedure or re-validating re-renders only the nodes and links that
 * changed, not 1,000 of them, and the canvas's node array changes only when the document does.
 */
import { createContext, useCallback, useContext, useSyncExternalStore } from "react";
import type { NodeStore } from "@/lib/rotation";
import type { LinkView } from "./model/stepper";

type Listener = () => void;

export class KeyedStore<K, V> {
  private values = new Map<K, V>();
  private listeners = new Map<K, Set<Listener>>();

  constructor(private readonly same: (a: V, b: V) => boolean = Object.is) {}

  get(key: K): V | undefined {
    return this.values.get(key);
  }

  set(key: K, value: V | undefined): void {
    const old = this.values.get(key);
    if (value === undefined) {
      if (!this.values.has(key)) return;
      this.values.delete(key);
    } else {
      if (old !== undefined && this.same(old, value)) return;
      this.values.set(key, value);
    }
    this.listeners.get(key)?.forEach((l) => l());
  }

  /** Replaces every value; only keys whose value changed are notified. */
  replace(next: ReadonlyMap<K, V>): void {
    for (const key of [...this.values.keys()]) if (!next.has(key)) this.set(key, undefined);
    for (const [key, value] of next) this.set(key, value);
  }

  clear(): void {
    this.replace(new Map());
  }

  subscribe(key: K, listener: Listener): () => void {
    let set = this.listeners.get(key);
    if (!set) this.listeners.set(key, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(key);
    };
  }
}

/** A single value with subscribers (e.g. whether the canvas shows a simulation). */
export class ValueStore<V> {
  private listeners = new Set<Listener>();
  constructor(private value: V) {}
  get = (): V => this.value;
  set(value: V): void {
    if (Object.is(value, this.value)) return;
    this.value = value;
    this.listeners.forEach((l) => l());
  }
  subscribe = (l: Listener): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };
}

const sameMessages = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((m, i) => m === b[i]);
const sameStore = (a: NodeStore, b: NodeStore) => sameMessages(a.roots, b.roots) && sameMessages(a.certificates, b.certificates);
const sameLink = (a: LinkSim, b: LinkSim) => a.status === b.status && a.reason === b.reason && a.first === b.first;

export interface LinkSim extends LinkView {
  /** The first link the checker found broken for the current order. */
  first?: boolean;
}

export type NodeMark = "current" | "failing";
export type TaskMark = "done" | "current" | "failing";

/** A task of a rotation run as the run page colours it (lib/rotation-run task states). */
export interface TaskRunMark {
  state: "waiting" | "sent" | "delivered" | "succeeded" | "failed";
  attempts: number;
  lastError: string | null;
}
const sameRun = (a: TaskRunMark, b: TaskRunMark) => a.state === b.state && a.attempts === b.attempts && a.lastError === b.lastError;

export interface Overlays {
  nodeErrors: KeyedStore<string, readonly string[]>;
  linkErrors: KeyedStore<number, readonly string[]>;
  /** Simulated store per node of the simulated group. */
  nodeSim: KeyedStore<string, NodeStore>;
  linkSim: KeyedStore<number, LinkSim>;
  /** The node the current step acts on, or the one whose step failed. */
  nodeMark: KeyedStore<string, NodeMark>;
  /** Task graph: tasks already executed at the current step, the current one, the failing one. */
  taskMark: KeyedStore<string, TaskMark>;
  /** Task graph of a rotation run: each task's live state (takes the place of the kind's colour). */
  taskRun: KeyedStore<string, TaskRunMark>;
  /** Simulation shown on the canvas; links and nodes outside the group are dimmed then. */
  simulating: ValueStore<boolean>;
  /** Links per status at the step the canvas shows: set with the link colours, so the two agree. */
  linkCounts: ValueStore<LinkCounts>;
}

export interface LinkCounts {
  ok: number;
  fallback: number;
  broken: number;
}
export const NO_COUNTS: LinkCounts = Object.freeze({ ok: 0, fallback: 0, broken: 0 });

export function createOverlays(): Overlays {
  return {
    nodeErrors: new KeyedStore(sameMessages),
    linkErrors: new KeyedStore(sameMessages),
    nodeSim: new KeyedStore(sameStore),
    linkSim: new KeyedStore(sameLink),
    nodeMark: new KeyedStore(),
    taskMark: new KeyedStore(),
    taskRun: new KeyedStore(sameRun),
    simulating: new ValueStore(false),
    linkCounts: new ValueStore<LinkCounts>(NO_COUNTS),
  };
}

export const OverlayContext = createContext<Overlays | null>(null);

export function useOverlays(): Overlays {
  const o = useContext(OverlayContext);
  if (!o) throw new Error("OverlayContext missing");
  return o;
}

export function useKeyed<K, V>(store: KeyedStore<K, V>, key: K): V | undefined {
  const subscribe = useCallback((l: Listener) => store.subscribe(key, l), [store, key]);
  const get = useCallback(() => store.get(key), [store, key]);
  return useSyncExternalStore(subscribe, get, get);
}

export function useValue<V>(store: ValueStore<V>): V {
  return useSyncExternalStore(store.subscribe, store.get, store.get);
}
