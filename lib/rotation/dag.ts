/** Small integer-indexed DAG helpers shared by the planner, the schedules and the tests. */

/** Predecessor lists in CSR form: preds of task t are pred[start[t] .. start[t+1]). */
export interface Csr {
  start: Int32Array;
  pred: Int32Array;
}

/** Collects edges `from → to` (from must complete before to) in growable typed arrays. */
export class EdgeList {
  private from = new Int32Array(1024);
  private to = new Int32Array(1024);
  private size = 0;

  add(from: number, to: number): void {
    if (from < 0 || to < 0) throw new Error(`edge to a missing task (${from} → ${to})`);
    if (this.size === this.from.length) {
      const grow = (a: Int32Array) => {
        const b = new Int32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.from = grow(this.from);
      this.to = grow(this.to);
    }
    this.from[this.size] = from;
    this.to[this.size++] = to;
  }

  /** Predecessor CSR without duplicates, and without the edges already present in `exclude`. */
  toCsr(taskCount: number, exclude?: Csr): Csr {
    const start = new Int32Array(taskCount + 1);
    for (let e = 0; e < this.size; e++) start[this.to[e] + 1]++;
    for (let t = 0; t < taskCount; t++) start[t + 1] += start[t];
    const fill = start.slice(0, taskCount);
    const raw = new Int32Array(this.size);
    for (let e = 0; e < this.size; e++) raw[fill[this.to[e]]++] = this.from[e];

    // Dedupe per task with a stamp array: linear, no sorting.
    const stamp = new Int32Array(taskCount).fill(-1);
    const outStart = new Int32Array(taskCount + 1);
    const out = new Int32Array(this.size);
    let k = 0;
    for (let t = 0; t < taskCount; t++) {
      if (exclude) for (let i = exclude.start[t]; i < exclude.start[t + 1]; i++) stamp[exclude.pred[i]] = t;
      for (let i = start[t]; i < start[t + 1]; i++) {
        const p = raw[i];
        if (stamp[p] === t) continue;
        stamp[p] = t;
        out[k++] = p;
      }
      outStart[t + 1] = k;
    }
    return { start: outStart, pred: out.slice(0, k) };
  }
}

/**
 * Longest-path levels (Kahn by levels) over the union of the given predecessor lists.
 * `unit` maps a task to the representative of the tasks that run as one (merged requests);
 * edges inside a unit are ignored. Returns levels per task, or the tasks left on a cycle.
 */
export function kahnLevels(
  taskCount: number,
  csrs: readonly Csr[],
  unit?: Int32Array,
): { ok: true; level: Int32Array } | { ok: false; cycle: number[] } {
  const rep = (t: number) => (unit ? unit[t] : t);
  // Successor lists between representatives.
  const indegree = new Int32Array(taskCount);
  const outDeg = new Int32Array(taskCount + 1);
  for (const csr of csrs)
    for (let t = 0; t < taskCount; t++)
      for (let i = csr.start[t]; i < csr.start[t + 1]; i++) {
        const a = rep(csr.pred[i]);
        const b = rep(t);
        if (a === b) continue;
        outDeg[a + 1]++;
        indegree[b]++;
      }
  for (let t = 0; t < taskCount; t++) outDeg[t + 1] += outDeg[t];
  const fill = outDeg.slice(0, taskCount);
  const succ = new Int32Array(outDeg[taskCount]);
  for (const csr of csrs)
    for (let t = 0; t < taskCount; t++)
      for (let i = csr.start[t]; i < csr.start[t + 1]; i++) {
        const a = rep(csr.pred[i]);
        const b = rep(t);
        if (a !== b) succ[fill[a]++] = b;
      }

  const level = new Int32Array(taskCount);
  const queue = new Int32Array(taskCount);
  let head = 0;
  let tail = 0;
  let reps = 0;
  for (let t = 0; t < taskCount; t++) {
    if (rep(t) !== t) continue;
    reps++;
    if (indegree[t] === 0) queue[tail++] = t;
  }
  while (head < tail) {
    const a = queue[head++];
    for (let i = outDeg[a]; i < outDeg[a + 1]; i++) {
      const b = succ[i];
      if (level[a] + 1 > level[b]) level[b] = level[a] + 1;
      if (--indegree[b] === 0) queue[tail++] = b;
    }
  }
  if (tail < reps) {
    const cycle: number[] = [];
    for (let t = 0; t < taskCount; t++) if (rep(t) === t && indegree[t] > 0) cycle.push(t);
    return { ok: false, cycle };
  }
  if (unit) for (let t = 0; t < taskCount; t++) level[t] = level[unit[t]];
  return { ok: true, level };
}
