/**
 * handshakes.jsonl (the contract): one line per handshake, appended in order, and the last
 * record per peer and role for status reports. A server holds a rejected client attempt for
 * FALLBACK_WINDOW_MS: the same peer authenticating in time makes it a `fallback`, else `failed`.
 */
import { appendFile } from "node:fs/promises";
import { join } from "node:path";
import type { HandshakeRecord } from "../rotation-run/protocol";

export const HANDSHAKES_FILE = "handshakes.jsonl";
export const FALLBACK_WINDOW_MS = 5_000;

interface PendingRejection {
  records: HandshakeRecord[];
  timer: NodeJS.Timeout;
}

export class HandshakeLog {
  private readonly last = new Map<string, HandshakeRecord>();
  private readonly pending = new Map<string, PendingRejection>();
  private writing: Promise<void> = Promise.resolve();
  private buffer: string[] = [];
  onChange: () => void = () => {};

  constructor(private readonly dir: string) {}

  record(r: Omit<HandshakeRecord, "at"> & { at?: string }): void {
    const rec: HandshakeRecord = { at: r.at ?? new Date().toISOString(), peer: r.peer, role: r.role, result: r.result };
    if (r.reason !== undefined) rec.reason = r.reason;
    if (r.group !== undefined) rec.group = r.group;
    const key = `${rec.role}\u0000${rec.peer}`;
    const before = this.last.get(key);
    this.last.set(key, rec);
    this.buffer.push(JSON.stringify(rec) + "\n");
    // Lines are appended by one writer in order; a burst goes out in one write.
    this.writing = this.writing.then(() => this.flush());
    if (!before || before.result !== rec.result || before.group !== rec.group) this.onChange();
  }

  private async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const text = this.buffer.join("");
    this.buffer = [];
    await appendFile(join(this.dir, HANDSHAKES_FILE), text, { mode: 0o644 }).catch(() => {});
  }

  /** A server rejected a client's certificate: decided later (fallback or failed). */
  serverRejected(peer: string, group: string, reason: string): void {
    const key = `${group}\u0000${peer}`;
    const record: HandshakeRecord = { at: new Date().toISOString(), peer, role: "server", result: "failed", reason, group };
    // Several rejections in a row stay pending together: this server's roots may change between
    // a client's attempts (its first certificate refused before, its second after), and the
    // client then tries its first again. All of them were a fallback if the peer gets in.
    const held = this.pending.get(key);
    if (held) {
      held.records.push(record);
      return;
    }
    const timer = setTimeout(() => this.settle(key, "failed"), FALLBACK_WINDOW_MS);
    timer.unref();
    this.pending.set(key, { records: [record], timer });
  }

  /** A server accepted a client: a recent rejection of the same peer was a fallback. */
  serverAccepted(peer: string, group: string): void {
    const key = `${group}\u0000${peer}`;
    if (this.pending.has(key)) this.settle(key, "fallback");
    else this.record({ peer, role: "server", result: "ok", group });
  }

  private settle(key: string, result: "fallback" | "failed"): void {
    const p = this.pending.get(key);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(key);
    for (const r of p.records) this.record({ ...r, result });
  }

  lastPerPeer(): HandshakeRecord[] {
    return [...this.last.values()];
  }

  /** Settles held rejections as failed and waits for the file. */
  async close(): Promise<void> {
    for (const key of [...this.pending.keys()]) this.settle(key, "failed");
    await this.writing;
  }
}
