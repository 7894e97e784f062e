import fs from "node:fs";

/**
 * The proxy's decision log (issue 11): one JSON object per line in `file`, and the last
 * `keep` decisions in memory for GET /decisions and the reporter. JSON.stringify escapes
 * every control character, so no client-supplied string (subject, reason) can start a
 * line of its own.
 *
 * `seq` continues from the last line of an existing file, so a reporter's acknowledged
 * sequence number stays meaningful across restarts of a proxy that logs to a file.
 */

export const DECISION_KINDS = ["forwarded", "refused-revoked", "refused-unverified", "refused-policy", "refused-client-cert"] as const;
export type DecisionKind = (typeof DECISION_KINDS)[number];

export interface Decision {
  seq: number;
  /** ISO-8601. */
  at: string;
  /** The client's address (host:port). */
  client: string;
  route: string;
  upstream: string;
  /** The upstream certificate's serial (decimal), when one was seen. */
  serial: string | null;
  decision: DecisionKind;
  reason: string;
  /** The client certificate's subject, when it presented one. */
  subject?: string | null;
}

export type DecisionInput = Omit<Decision, "seq" | "at"> & { at?: string };

export interface DecisionLogOptions {
  file?: string;
  keep?: number;
}

export class DecisionLog {
  private readonly keep: number;
  private readonly ring: Decision[] = [];
  private seq: number;
  private readonly out: fs.WriteStream | null;
  /** The last write error, if the file could not be written (the proxy keeps running). */
  writeError: string | null = null;

  constructor(o: DecisionLogOptions = {}) {
    this.keep = Math.max(1, Math.floor(o.keep ?? 500));
    const tail = o.file ? readTail(o.file) : { seq: 0, torn: false };
    this.seq = tail.seq;
    this.out = o.file ? fs.createWriteStream(o.file, { flags: "a", mode: 0o640 }) : null;
    this.out?.on("error", (e) => (this.writeError = e.message));
    // A line torn by a crash is closed off, so the next decision starts a line of its own.
    if (tail.torn) this.out?.write("\n");
  }

  get lastSeq(): number {
    return this.seq;
  }

  record(d: DecisionInput): Decision {
    if (!(DECISION_KINDS as readonly string[]).includes(d.decision)) throw new Error(`unknown decision ${JSON.stringify(d.decision)}`);
    // Fields copied one by one: exactly these keys, in this order, whatever the caller passed.
    const full: Decision = {
      seq: ++this.seq,
      at: d.at ?? new Date().toISOString(),
      client: String(d.client),
      route: String(d.route),
      upstream: String(d.upstream),
      serial: d.serial === null || d.serial === undefined ? null : String(d.serial),
      decision: d.decision,
      reason: String(d.reason),
    };
    if (d.subject !== undefined) full.subject = d.subject === null ? null : String(d.subject);
    this.ring.push(full);
    if (this.ring.length > this.keep) this.ring.shift();
    this.out?.write(JSON.stringify(full) + "\n");
    return full;
  }

  /** Decisions with seq > `seq`, oldest first, at most `limit`. */
  since(seq: number, limit = this.keep): Decision[] {
    if (this.ring.length === 0) return [];
    // seq values in the ring are consecutive: index arithmetic instead of a search.
    const from = Math.max(0, Math.floor(seq) - this.ring[0].seq + 1);
    return this.ring.slice(from, from + Math.max(0, Math.floor(limit)));
  }

  close(): Promise<void> {
    const out = this.out;
    if (!out || out.closed) return Promise.resolve();
    return new Promise((resolve) => {
      out.once("close", () => resolve());
      out.end();
    });
  }
}

/** The seq of the last complete line of an existing log (0 when none), and whether it ends mid-line. */
function readTail(file: string): { seq: number; torn: boolean } {
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch {
    return { seq: 0, torn: false };
  }
  try {
    const size = fs.fstatSync(fd).size;
    const len = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(len);
    fs.readSync(fd, buf, 0, len, size - len);
    const torn = len > 0 && buf[len - 1] !== 0x0a;
    const lines = buf.toString("utf8").split("\n");
    for (let i = lines.length - 1; i >= 0; i--) {
      try {
        const seq = (JSON.parse(lines[i]) as { seq?: unknown }).seq;
        if (typeof seq === "number" && Number.isSafeInteger(seq) && seq >= 0) return { seq, torn };
      } catch {
        // a torn last line (crash mid-write) or the cut at the window's start
      }
    }
    return { seq: 0, torn };
  } finally {
    fs.closeSync(fd);
  }
}
