import { kahnLevels } from "./dag";
import type { ScheduleName } from "./model";
import { BUNDLE, CREATE_ROOT, CREATE_ROOT_BUNDLE, DISCARD_OLD, isCaKind, REPLACE_ROOT, STORE_CERT, STORE_ROOT, type TaskTable } from "./tasks";

export interface Schedule {
  /** Phase per task, numbered 0.. without gaps; tasks of one phase may run in parallel. */
  phase: Int32Array;
  /** Task indices in execution order. */
  order: Int32Array;
  /** 1-based CA request number per task, 0 for the CA's own task. */
  request: Int32Array;
  requestCount: number;
}

/**
 * Orders a group's tasks.
 * - minimal: every task at its longest-path level over mandatory and preferred edges (most parallel);
 * - phased (FIG. 36): create-root → all store-root → store-cert of nodes that are no server →
 *   store-cert of servers → all replace-root. Valid for any topology: a store-cert waits only for
 *   store-roots, a replace-root only for store-roots and store-certs;
 * - linear (FIG. 37): like phased, but servers store the root before clients do, so a client's
 *   store-root and store-cert can follow each other (and be merged, 2′).
 * In bundled mode phased and linear are the same (FIG. 43/44): T → bundles of nodes that are no
 * server → server bundles, level by level (chains of one-way multi-role nodes need several) →
 * all discard-old.
 *
 * mergeClientSteps (2′, stepwise only): a node that is no server in the group gets its store-root
 * and store-cert in one request. Both task ids stay (kinds are fixed by the CLI contract); they are
 * adjacent in the order, share a phase and a request number. The pair waits for the union of both
 * tasks' predecessors, so R3 always holds for it and the client never falls back.
 */
export function scheduleTasks(table: TaskTable, name: ScheduleName, mergeClientSteps: boolean): Schedule {
  const { count, kind, node, graph } = table;
  const unit = new Int32Array(count);
  for (let t = 0; t < count; t++) unit[t] = t;
  if (mergeClientSteps && table.mode === "stepwise") {
    const sr = table.byKind[STORE_ROOT];
    const sc = table.byKind[STORE_CERT];
    for (let v = 0; v < graph.nodeIds.length; v++) if (!graph.isServer[v] && sr[v] >= 0 && sc[v] >= 0) unit[sc[v]] = sr[v];
  }
  // partner[r] = the store-cert merged into store-root r.
  const partner = new Int32Array(count).fill(-1);
  for (let t = 0; t < count; t++) if (unit[t] !== t) partner[unit[t]] = t;

  let phase: Int32Array;
  if (name === "minimal") {
    const levels = kahnLevels(count, [table.mandatory, table.preferred], unit);
    if (!levels.ok) throw new Error(`internal: constraint cycle in group ${graph.group}`);
    phase = levels.level;
  } else if (table.mode === "bundled") {
    const levels = kahnLevels(count, [table.mandatory]);
    if (!levels.ok) throw new Error(`internal: constraint cycle in group ${graph.group}`);
    phase = new Int32Array(count);
    let lastBundle = 0;
    for (let t = 0; t < count; t++) if (kind[t] === BUNDLE) lastBundle = Math.max(lastBundle, levels.level[t]);
    for (let t = 0; t < count; t++) {
      if (kind[t] === CREATE_ROOT_BUNDLE) phase[t] = 0;
      else if (kind[t] === BUNDLE) phase[t] = levels.level[t];
      else if (kind[t] === DISCARD_OLD) phase[t] = lastBundle + 1;
    }
  } else {
    const linear = name === "linear";
    phase = new Int32Array(count);
    for (let t = 0; t < count; t++) {
      const server = node[t] >= 0 && graph.isServer[node[t]] === 1;
      switch (kind[t]) {
        case CREATE_ROOT:
          phase[t] = 0;
          break;
        case STORE_ROOT:
          // A merged client's store-root travels with its store-cert.
          phase[t] = partner[t] >= 0 ? (linear ? 3 : 2) : linear && !server ? 2 : 1;
          break;
        case STORE_CERT:
          phase[t] = server ? (linear ? 4 : 3) : linear ? 3 : 2;
          break;
        case REPLACE_ROOT:
          phase[t] = linear ? 5 : 4;
          break;
      }
    }
  }
  compact(phase);

  const order = orderByPhase(phase, unit, partner);
  verifyOrder(table, order);

  const request = new Int32Array(count);
  let requestCount = 0;
  for (const t of order) {
    if (isCaKind(kind[t])) continue;
    request[t] = unit[t] !== t ? request[unit[t]] : ++requestCount;
  }
  return { phase, order, request, requestCount };
}

/** Renumbers phases 0..k-1 keeping their order (a schedule may leave a phase empty). */
function compact(phase: Int32Array): void {
  let max = 0;
  for (const p of phase) if (p > max) max = p;
  const used = new Int32Array(max + 1);
  for (const p of phase) used[p] = 1;
  let next = 0;
  for (let p = 0; p <= max; p++) used[p] = used[p] ? next++ : -1;
  for (let t = 0; t < phase.length; t++) phase[t] = used[phase[t]];
}

/** Stable counting sort by phase; a merged pair is emitted together, store-root first. */
function orderByPhase(phase: Int32Array, unit: Int32Array, partner: Int32Array): Int32Array {
  const count = phase.length;
  let max = 0;
  for (const p of phase) if (p > max) max = p;
  const start = new Int32Array(max + 2);
  for (const p of phase) start[p + 1]++;
  for (let p = 0; p <= max; p++) start[p + 1] += start[p];
  const byPhase = new Int32Array(count);
  for (let t = 0; t < count; t++) byPhase[start[phase[t]]++] = t;

  const order = new Int32Array(count);
  let k = 0;
  for (const t of byPhase) {
    if (unit[t] !== t) continue; // emitted right after its representative
    order[k++] = t;
    if (partner[t] >= 0) order[k++] = partner[t];
  }
  return order;
}

/** Guards the schedules: every mandatory and preferred predecessor comes earlier. */
function verifyOrder(table: TaskTable, order: Int32Array): void {
  const position = new Int32Array(table.count);
  order.forEach((t, i) => (position[t] = i));
  for (const csr of [table.mandatory, table.preferred])
    for (let t = 0; t < table.count; t++)
      for (let i = csr.start[t]; i < csr.start[t + 1]; i++)
        if (position[csr.pred[i]] >= position[t])
          throw new Error(`internal: schedule puts ${table.ids[t]} before ${table.ids[csr.pred[i]]}`);
}
