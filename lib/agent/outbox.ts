/**
 * Envelopes waiting in an agent (docs/ROTATION_RUNS.md, relays): update requests per next hop
 * down the route, and results and status reports going up (to route[len-2] or the CA). A
 * relay keeps only the newest status per node. Envelopes leave only with an exchange that
 * completed; a failed one puts them back.
 */
export class Outbox {
  private readonly down = new Map<string, string[]>();
  private up: string[] = [];
  private readonly statuses = new Map<string, { at: number; jws: string }>();

  /** `upTarget`: the neighbour results go to, or null when they go to the CA. */
  constructor(private readonly upTarget: string | null) {}

  addDown(next: string, jws: string): void {
    const q = this.down.get(next);
    if (q) q.push(jws);
    else this.down.set(next, [jws]);
  }

  addUp(jws: string): void {
    this.up.push(jws);
  }

  /** Keeps the newest status of each node (by its own `at`). */
  addStatus(node: string, at: number, jws: string): void {
    const held = this.statuses.get(node);
    if (!held || held.at <= at) this.statuses.set(node, { at, jws });
  }

  hasFor(peer: string | null): boolean {
    if (peer !== null && (this.down.get(peer)?.length ?? 0) > 0) return true;
    return peer === this.upTarget && (this.up.length > 0 || this.statuses.size > 0);
  }

  hasResultsFor(peer: string | null): boolean {
    return peer === this.upTarget && this.up.length > 0;
  }

  /** Takes everything for `peer` (null = the CA): requests down to it, and the upward queue when it is the parent. */
  take(peer: string | null): string[] {
    const out: string[] = [];
    if (peer !== null) {
      const q = this.down.get(peer);
      if (q) {
        out.push(...q);
        this.down.delete(peer);
      }
    }
    if (peer === this.upTarget) {
      out.push(...this.up, ...[...this.statuses.values()].map((s) => s.jws));
      this.up = [];
      this.statuses.clear();
    }
    return out;
  }

  /** Puts back what an exchange that failed took (ahead of anything newer). */
  restore(peer: string | null, taken: string[], classify: (jws: string) => { kind: "down" } | { kind: "up" } | { kind: "status"; node: string; at: number }): void {
    const down: string[] = [];
    const up: string[] = [];
    for (const jws of taken) {
      const c = classify(jws);
      if (c.kind === "down") down.push(jws);
      else if (c.kind === "up") up.push(jws);
      else this.addStatus(c.node, c.at, jws);
    }
    if (down.length > 0 && peer !== null) this.down.set(peer, [...down, ...(this.down.get(peer) ?? [])]);
    this.up = [...up, ...this.up];
  }

  pending(): number {
    let n = this.up.length;
    for (const q of this.down.values()) n += q.length;
    return n;
  }
}

/** A sleep that ends early when woken (a link loop: connect every interval, or at once when there is mail). */
export class Waker {
  private resolve: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private woken = false;

  sleep(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.resolve = resolve;
      this.timer = setTimeout(() => this.fire(), ms);
    });
  }

  wake(): void {
    if (this.resolve) this.fire();
    else this.woken = true;
  }

  private fire(): void {
    if (this.timer) clearTimeout(this.timer);
    const r = this.resolve;
    this.resolve = null;
    this.timer = null;
    this.woken = false;
    r?.();
  }
}
