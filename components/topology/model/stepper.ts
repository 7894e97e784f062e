/**
 * A cursor over a simulation: the node stores and link statuses after step k, moved one step at a
 * time with simulate()'s diffs — forward with each diff's "after", backward with its "before" — so
 * dragging a slider over a 3,000-step plan costs the steps crossed, not a replay from step 0.
 * Listeners hear only about the nodes and links that changed (the canvas re-renders just those).
 */
import type { LinkStatus, NodeStore, SimState, Simulation } from "@/lib/rotation";

export interface LinkView {
  status: LinkStatus;
  reason?: string;
}

export interface CursorListener {
  node(id: string, store: NodeStore): void;
  link(index: number, view: LinkView): void;
}

export class SimCursor {
  /** Steps applied (0 = before the update). */
  step = 0;
  readonly nodes = new Map<string, NodeStore>();
  readonly links = new Map<number, LinkView>();
  /** Links per status at the current step, kept up to date by every move. */
  readonly counts: Record<LinkStatus, number> = { ok: 0, fallback: 0, broken: 0 };
  /** Reason of each changed link before step i+1, aligned with sim.steps[i].links (diffs omit it). */
  private readonly previousReason: (string | undefined)[][];

  constructor(
    readonly sim: Simulation,
    initial: SimState = sim.stateAt(0),
  ) {
    for (const [id, store] of Object.entries(initial.nodes)) this.nodes.set(id, store);
    for (const l of initial.links) {
      this.links.set(l.index, l.reason === undefined ? { status: l.status } : { status: l.status, reason: l.reason });
      this.counts[l.status]++;
    }
    const reason = new Map<number, string | undefined>();
    for (const l of initial.links) reason.set(l.index, l.reason);
    this.previousReason = sim.steps.map((diff) =>
      diff.links.map((change) => {
        const before = reason.get(change.index);
        reason.set(change.index, change.reason);
        return before;
      }),
    );
  }

  get length(): number {
    return this.sim.steps.length;
  }

  /** Moves to step k (clamped to 0..length) and reports every node and link that changed. */
  moveTo(k: number, listener?: CursorListener): void {
    const target = Math.max(0, Math.min(this.length, Math.trunc(k)));
    while (this.step < target) {
      const diff = this.sim.steps[this.step++];
      if (diff.store && diff.node !== null) this.setNode(diff.node, diff.store.after, listener);
      for (const change of diff.links) this.setLink(change.index, { status: change.status, reason: change.reason }, listener);
    }
    while (this.step > target) {
      const i = --this.step;
      const diff = this.sim.steps[i];
      if (diff.store && diff.node !== null) this.setNode(diff.node, diff.store.before, listener);
      diff.links.forEach((change, j) => this.setLink(change.index, { status: change.previous, reason: this.previousReason[i][j] }, listener));
    }
  }

  private setNode(id: string, store: NodeStore, listener?: CursorListener) {
    this.nodes.set(id, store);
    listener?.node(id, store);
  }

  private setLink(index: number, view: LinkView, listener?: CursorListener) {
    const clean: LinkView = view.reason === undefined ? { status: view.status } : view;
    const before = this.links.get(index);
    if (before) this.counts[before.status]--;
    this.counts[clean.status]++;
    this.links.set(index, clean);
    listener?.link(index, clean);
  }
}
