import type { GroupGraph } from "./graph";
import type { CertName, GroupPlan, LinkRef, LinkState, LinkStatus, NodeStore, RootName, Topology } from "./model";
import { validateOrder } from "./order";
import { taskTableFor } from "./planner";
import {
  BUNDLE,
  CREATE_ROOT,
  CREATE_ROOT_BUNDLE,
  DISCARD_OLD,
  REPLACE_ROOT,
  STORE_CERT,
  STORE_ROOT,
  type TaskTable,
} from "./tasks";

// Root bits. The distribution root carries the NEW public key (signed by the old root key), so
// DIST or NEW lets a node verify anything signed with the new root key; only OLD verifies old items.
const R_OLD = 1;
const R_DIST = 2;
const R_NEW = 4;
const R_NEW_KEY = R_DIST | R_NEW;
// Own-certificate bits; a node presents NEW first and, if rejected, falls back to OLD.
const C_OLD = 1;
const C_NEW = 2;

// Link codes: 0 ok, 1 fallback, >= BROKEN broken (the code says why).
const OK = 0;
const FALLBACK = 1;
const BROKEN = 10;
const SERVER_NEW_CERT_CLIENT_NO_NEW_ROOT = 10;
const SERVER_OLD_CERT_CLIENT_NO_OLD_ROOT = 11;
const CLIENT_REPLACED_CERT_SERVER_NO_NEW_ROOT = 12;
const CLIENT_DROPPED_OLD_CERT_SERVER_NO_NEW_ROOT = 13;
const CLIENT_OLD_CERT_SERVER_NO_OLD_ROOT = 14;
const CLIENT_NO_ROOT = 15;
const SERVER_NO_ROOT = 16;
const CLIENT_NO_CERT = 17;
const SERVER_NO_CERT = 18;

/**
 * The node stores and link statuses of one group, advanced task by task (SPEC §4.1).
 * Every node starts with the old root and, if it presents a certificate in the group, its old
 * certificate. Applying a task re-evaluates only the links of its node, so a whole order costs
 * O(tasks + links).
 */
export class GroupState {
  readonly roots: Uint8Array;
  readonly certs: Uint8Array;
  /** Link code per group-local link. */
  readonly code: Uint8Array;
  created = false;
  /** Links whose code changed in the last `apply` (group-local indices), and their old codes. */
  readonly changed: Int32Array;
  readonly changedFrom: Uint8Array;
  changedCount = 0;

  constructor(readonly table: TaskTable) {
    const { graph } = table;
    const n = graph.nodeIds.length;
    this.roots = new Uint8Array(n).fill(R_OLD);
    this.certs = new Uint8Array(n);
    for (let v = 0; v < n; v++) if (graph.needsCert[v]) this.certs[v] = C_OLD;
    this.code = new Uint8Array(graph.client.length);
    let maxDegree = 0;
    for (let v = 0; v < n; v++) maxDegree = Math.max(maxDegree, graph.incStart[v + 1] - graph.incStart[v]);
    this.changed = new Int32Array(maxDegree);
    this.changedFrom = new Uint8Array(maxDegree);
  }

  /** An independent copy (for exploring alternatives: what-if views, exhaustive tests). */
  clone(): GroupState {
    const copy = new GroupState(this.table);
    copy.roots.set(this.roots);
    copy.certs.set(this.certs);
    copy.code.set(this.code);
    copy.created = this.created;
    return copy;
  }

  /**
   * Executes task t. Returns null, or why the node cannot verify what it receives; then the node
   * rejects the request and nothing changes. Afterwards `changed` lists the links whose status moved.
   */
  apply(t: number): string | null {
    this.changedCount = 0;
    const { kind, node, graph, byKind } = this.table;
    const k = kind[t];
    const v = node[t];
    if (k === CREATE_ROOT || k === CREATE_ROOT_BUNDLE) {
      this.created = true;
      return null;
    }
    const id = graph.nodeIds[v];
    const task = this.table.ids[t];
    const first = this.table.mode === "bundled" ? "create-root-bundle" : "create-root";
    if (!this.created) return `${task} ran before ${first}: the new root key does not exist yet`;
    const roots = this.roots[v];
    switch (k) {
      case STORE_ROOT:
        if (!(roots & R_OLD)) return `node ${id} cannot verify the distribution root certificate: it no longer holds the old root`;
        this.roots[v] = roots | R_DIST;
        break;
      case STORE_CERT:
        // A node without a store-root task (server on one-way links only) gets the distribution
        // root with the certificate and checks it with its old root (seed step S142′).
        if (!(roots & R_NEW_KEY) && !(byKind[STORE_ROOT][v] < 0 && roots & R_OLD))
          return `node ${id} cannot verify its new certificate: it holds no root with the new key (store-root:${id} has not run)`;
        this.certs[v] = graph.isServer[v] ? C_NEW : this.certs[v] | C_NEW;
        break;
      case REPLACE_ROOT:
        if (!(roots & R_NEW_KEY))
          return `node ${id} cannot verify the new root certificate: it does not hold the distribution root (store-root:${id} has not run)`;
        this.roots[v] = R_NEW;
        // A client drops its old certificate only if it already has the new one.
        if (!graph.isServer[v] && this.certs[v] & C_NEW) this.certs[v] = C_NEW;
        break;
      case BUNDLE:
        if (!(roots & R_OLD)) return `node ${id} cannot verify the distribution root certificate: it no longer holds the old root`;
        // A node that is a client anywhere keeps the old root until discard-old: its servers may
        // still present old certificates. A node that is only a server needs just the new root.
        this.roots[v] = graph.isClient[v] ? roots | R_DIST | R_NEW : R_NEW;
        if (graph.needsCert[v]) this.certs[v] = graph.isServer[v] ? C_NEW : this.certs[v] | C_NEW;
        break;
      case DISCARD_OLD:
        this.roots[v] = roots & ~(R_OLD | R_DIST);
        this.certs[v] &= ~C_OLD;
        break;
    }
    const { incStart, incLinks } = graph;
    for (let i = incStart[v]; i < incStart[v + 1]; i++) {
      const l = incLinks[i];
      const next = this.evaluate(l);
      if (next !== this.code[l]) {
        this.changed[this.changedCount] = l;
        this.changedFrom[this.changedCount++] = this.code[l];
        this.code[l] = next;
      }
    }
    return null;
  }

  /** Can this link authenticate now? Returns its code. */
  evaluate(l: number): number {
    const { graph } = this.table;
    const c = graph.client[l];
    const s = graph.server[l];
    const clientRoots = this.roots[c];
    const serverRoots = this.roots[s];
    // The client authenticates the server's only certificate.
    const serverCert = this.certs[s];
    if (clientRoots === 0) return CLIENT_NO_ROOT;
    if (serverCert & C_NEW) {
      if (!(clientRoots & R_NEW_KEY)) return SERVER_NEW_CERT_CLIENT_NO_NEW_ROOT;
    } else if (serverCert & C_OLD) {
      if (!(clientRoots & R_OLD)) return SERVER_OLD_CERT_CLIENT_NO_OLD_ROOT;
    } else return SERVER_NO_CERT;
    if (!graph.mutual[l]) return OK;
    // Mutual: the server authenticates the client, which presents its new certificate first.
    const clientCert = this.certs[c];
    if (serverRoots === 0) return SERVER_NO_ROOT;
    if (clientCert & C_NEW) {
      if (serverRoots & R_NEW_KEY) return OK;
      if (clientCert & C_OLD) return serverRoots & R_OLD ? FALLBACK : SERVER_NO_ROOT;
      return graph.isServer[c] ? CLIENT_REPLACED_CERT_SERVER_NO_NEW_ROOT : CLIENT_DROPPED_OLD_CERT_SERVER_NO_NEW_ROOT;
    }
    if (clientCert & C_OLD) return serverRoots & R_OLD ? OK : CLIENT_OLD_CERT_SERVER_NO_OLD_ROOT;
    return CLIENT_NO_CERT;
  }

  /** Human-readable reason of a link code (undefined when ok), naming both nodes. */
  reason(l: number, code = this.code[l]): string | undefined {
    const { graph } = this.table;
    const c = graph.nodeIds[graph.client[l]];
    const s = graph.nodeIds[graph.server[l]];
    switch (code) {
      case OK:
        return undefined;
      case FALLBACK:
        return `client ${c} presents its new certificate, which server ${s} cannot verify before it stores the new root; the client falls back to its old certificate`;
      case SERVER_NEW_CERT_CLIENT_NO_NEW_ROOT:
        return `server ${s} replaced its certificate before client ${c} stored the new root`;
      case SERVER_OLD_CERT_CLIENT_NO_OLD_ROOT:
        return `client ${c} deleted the old root before server ${s} stored its new certificate`;
      case CLIENT_REPLACED_CERT_SERVER_NO_NEW_ROOT:
        return `client ${c} replaced its certificate before server ${s} stored the new root`;
      case CLIENT_DROPPED_OLD_CERT_SERVER_NO_NEW_ROOT:
        return `client ${c} dropped its old certificate before server ${s} stored the new root`;
      case CLIENT_OLD_CERT_SERVER_NO_OLD_ROOT:
        return `server ${s} deleted the old root before client ${c} stored its new certificate`;
      case CLIENT_NO_ROOT:
        return `client ${c} holds no root certificate, so it cannot verify server ${s}`;
      case SERVER_NO_ROOT:
        return `server ${s} holds no root certificate that verifies client ${c}`;
      case CLIENT_NO_CERT:
        return `client ${c} holds no certificate to present to server ${s}`;
      default:
        return `server ${s} holds no certificate to present to client ${c}`;
    }
  }

  nodeStore(v: number): NodeStore {
    return toStore(this.roots[v], this.certs[v]);
  }

  linkRef(l: number): LinkRef {
    const { graph } = this.table;
    return {
      index: graph.linkIndex[l],
      client: graph.nodeIds[graph.client[l]],
      server: graph.nodeIds[graph.server[l]],
      group: graph.group,
    };
  }

  linkState(l: number): LinkState {
    const state: LinkState = { ...this.linkRef(l), status: statusOf(this.code[l]) };
    const reason = this.reason(l);
    if (reason !== undefined) state.reason = reason;
    return state;
  }
}

export function statusOf(code: number): LinkStatus {
  return code === OK ? "ok" : code === FALLBACK ? "fallback" : "broken";
}

export function isBroken(code: number): boolean {
  return code >= BROKEN;
}

function toStore(roots: number, certs: number): NodeStore {
  const r: RootName[] = [];
  if (roots & R_OLD) r.push("old");
  if (roots & R_DIST) r.push("distribution");
  if (roots & R_NEW) r.push("new");
  const c: CertName[] = [];
  if (certs & C_OLD) c.push("old");
  if (certs & C_NEW) c.push("new");
  return { roots: r, certificates: c };
}

/** Why step `step` (1-based) of an order fails. */
export interface StepFailure {
  step: number;
  task: string;
  /** "authentication": a link can no longer authenticate; "verification": the node rejects what it received. */
  failure: "authentication" | "verification";
  /** The broken link (the first one, by link index, when a step breaks several); null for verification. */
  link: LinkRef | null;
  reason: string;
}

export interface LinkChange extends LinkState {
  previous: LinkStatus;
}

/** What one step changed. */
export interface StepDiff {
  step: number;
  task: string;
  node: string | null;
  /** The node's store before and after; absent for the CA's own task and rejected requests. */
  store?: { before: NodeStore; after: NodeStore };
  /** Links whose status or reason changed, by link index. */
  links: LinkChange[];
  failure?: StepFailure;
}

export interface SimState {
  /** Number of steps applied. */
  step: number;
  /** Whether the CA has made the new root key (create-root / create-root-bundle done). */
  created: boolean;
  nodes: Record<string, NodeStore>;
  links: LinkState[];
}

export interface Simulation {
  group: string;
  order: readonly string[];
  steps: StepDiff[];
  /** The first failing step, or null when every state authenticates. */
  firstFailure: StepFailure | null;
  /** Full state after k steps (0 = before the update). O(k + nodes + links). */
  stateAt(k: number): SimState;
}

/** Applies task t and says why it fails, if it does (a verification failure or a newly broken link). */
export function stepFailure(state: GroupState, t: number, step: number): StepFailure | null {
  const task = state.table.ids[t];
  const rejected = state.apply(t);
  if (rejected !== null) return { step, task, failure: "verification", link: null, reason: rejected };
  let first = -1;
  for (let i = 0; i < state.changedCount; i++) {
    const l = state.changed[i];
    if (isBroken(state.code[l]) && !isBroken(state.changedFrom[i]) && (first < 0 || state.table.graph.linkIndex[l] < state.table.graph.linkIndex[first]))
      first = l;
  }
  if (first < 0) return null;
  return { step, task, failure: "authentication", link: state.linkRef(first), reason: state.reason(first)! };
}

/**
 * Simulates a group's order (default: the plan's own order) and records what each step changes.
 * `plan` may be a plan from planUpdate or just its group and mode. The order may be a prefix of
 * the tasks (for stepping through a partial hand-made order); unknown or repeated ids throw.
 * The simulation goes on after a failure so that a UI can show its consequences; a rejected
 * request leaves the state unchanged.
 */
export function simulate(
  topology: Topology,
  plan: Pick<GroupPlan, "group" | "mode"> & { order?: readonly string[] },
  order: readonly string[] = plan.order ?? [],
): Simulation {
  const table = taskTableFor(topology, plan);
  const valid = validateOrder(table, order, true);
  if (!valid.ok) throw new Error(valid.errors.map((e) => e.message).join("; "));
  const tasks = valid.tasks;
  const state = new GroupState(table);
  const { graph } = table;
  const steps: StepDiff[] = [];
  let firstFailure: StepFailure | null = null;
  tasks.forEach((t, i) => {
    const v = table.node[t];
    const before = v >= 0 ? state.nodeStore(v) : undefined;
    const failure = stepFailure(state, t, i + 1);
    const diff: StepDiff = { step: i + 1, task: table.ids[t], node: v >= 0 ? graph.nodeIds[v] : null, links: [] };
    if (before && failure?.failure !== "verification") diff.store = { before, after: state.nodeStore(v) };
    for (let j = 0; j < state.changedCount; j++) {
      const l = state.changed[j];
      diff.links.push({ ...state.linkState(l), previous: statusOf(state.changedFrom[j]) });
    }
    diff.links.sort((a, b) => a.index - b.index);
    if (failure) {
      diff.failure = failure;
      firstFailure ??= failure;
    }
    steps.push(diff);
  });

  return {
    group: graph.group,
    order: [...order],
    steps,
    firstFailure,
    stateAt(k: number): SimState {
      if (!Number.isInteger(k) || k < 0 || k > tasks.length) throw new RangeError(`step ${k} is outside 0..${tasks.length}`);
      const replay = new GroupState(table);
      for (let i = 0; i < k; i++) replay.apply(tasks[i]);
      return snapshot(replay, k);
    },
  };
}

function snapshot(state: GroupState, step: number): SimState {
  const graph: GroupGraph = state.table.graph;
  // No prototype: a node id such as "__proto__" must stay an ordinary key.
  const nodes: Record<string, NodeStore> = Object.create(null);
  graph.nodeIds.forEach((id, v) => (nodes[id] = state.nodeStore(v)));
  const links: LinkState[] = [];
  for (let l = 0; l < graph.client.length; l++) links.push(state.linkState(l));
  return { step, created: state.created, nodes, links };
}
