import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlDriverAdapter, SqlDriverAdapterFactory, Transaction } from "@prisma/driver-adapter-utils";
import pg from "pg";
import { dbBusyDeadlineMs } from "../config";

export { isPostgresUrl } from "../config";
import { DatabaseBusyError, InputError } from "../errors";
import { postgresDialect, type DatabaseBackend, type JobLead, type WriteHealth } from "./backend";

/**
 * Advisory-lock keys (one 64-bit space per database). WRITE: every write transaction holds it
 * from its first statement to its end — PostgreSQL's counterpart of SQLite's BEGIN IMMEDIATE,
 * so the invariants that SQLite's one write lock keeps (serials handed out in order, the RN
 * never lowered, one audit chain with gap-free seqs, a revocation's prefix) hold unchanged
 * across instances, without a per-invariant lock that could be forgotten or taken out of order
 * (no deadlocks). JOBS: held by the session of the instance that runs the background jobs.
 */
export const WRITE_LOCK = 0x526f6f74n; // "Root"
export const JOBS_LOCK = 0x4a6f6273n; // "Jobs"

const CHANNEL = "rootline_change";
const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5_000;
const LEAD_POLL_MS = 2_000;
const PROBE_CACHE_MS = 1_000;
const BUSY_REPORT_MS = 1_000;

export class PostgresBackend implements DatabaseBackend {
  readonly kind = "postgresql" as const;
  readonly sql = postgresDialect;
  readonly adapter: SqlDriverAdapterFactory;
  readonly #pool: pg.Pool;
  readonly #changes: ChangeListener;
  #waitingSince: number | null = null;
  /** This process's own commits: its caches see them at once, before the notification comes back. */
  #commits = 0;
  #probe: { at: number; result: Promise<WriteHealth> } | null = null;

  constructor(readonly url: string) {
    // allowExitOnIdle: idle connections must not hold a CLI process open for the pool's 10 s idle timeout.
    this.#pool = new pg.Pool({ connectionString: url, max: Number(process.env.ROOTLINE_PG_POOL_MAX) || 10, allowExitOnIdle: true });
    this.#pool.on("error", () => {}); // an idle client's connection died: the pool replaces it
    this.adapter = new SerializedWrites(
      new PrismaPg(this.#pool, { disposeExternalPool: true }),
      (waiting) => (this.#waitingSince = waiting ? (this.#waitingSince ?? Date.now()) : null),
      () => this.#commits++,
    );
    this.#changes = new ChangeListener(url);
  }

  /**
   * Another instance's commit moves the notification count (a few ms after it); this
   * process's own moves the local count as it returns, so a read right after a write here
   * (an OCSP answer after a revocation) never sees a stale cache. Null while disconnected.
   */
  changeToken(): string | null {
    const t = this.#changes.token();
    return t === null ? null : `${t}.${this.#commits}`;
  }

  async writeHealth(now = Date.now()): Promise<WriteHealth> {
    if (this.#waitingSince !== null && now - this.#waitingSince > BUSY_REPORT_MS) {
      return { ok: false, db: "busy", detail: `writes have waited ${Math.round((now - this.#waitingSince) / 1000)} s for the write lock (another instance holds it)` };
    }
    if (!this.#probe || now - this.#probe.at > PROBE_CACHE_MS) {
      this.#probe = {
        at: now,
        result: this.#pool.query("SELECT 1").then(
          (): WriteHealth => ({ ok: true }),
          (e: Error): WriteHealth => ({ ok: false, db: "error", detail: e.message }),
        ),
      };
    }
    return this.#probe.result;
  }

  jobLead(): JobLead {
    return new SessionLead(this.url);
  }

  async close(): Promise<void> {
    await this.#changes.close();
    // The pool itself is ended by Prisma's $disconnect (the adapter owns it).
  }
}

/** The adapter whose transactions take WRITE_LOCK first; waiting is bounded by the busy deadline. */
class SerializedWrites implements SqlDriverAdapterFactory {
  readonly provider = "postgres" as const;
  readonly adapterName: string;

  constructor(
    private readonly inner: PrismaPg,
    private readonly waiting: (w: boolean) => void,
    private readonly committed: () => void,
  ) {
    this.adapterName = inner.adapterName;
  }

  async connect(): Promise<SqlDriverAdapter> {
    const inner = await this.inner.connect();
    const startTransaction = async (isolationLevel?: Parameters<SqlDriverAdapter["startTransaction"]>[0]): Promise<Transaction> => {
      const tx = await inner.startTransaction(isolationLevel);
      this.waiting(true);
      try {
        // One round trip; lock_timeout bounds the wait like SQLite's busy deadline.
        await tx.executeRaw({ sql: `SELECT set_config('lock_timeout', '${Math.round(dbBusyDeadlineMs())}ms', true), pg_advisory_xact_lock(${WRITE_LOCK})`, args: [], argTypes: [] });
      } catch (e) {
        try {
          await tx.executeRaw({ sql: "ROLLBACK", args: [], argTypes: [] });
        } catch {
          // The connection is gone: releasing it below is all there is to do.
        }
        await tx.rollback();
        throw isLockTimeout(e) ? new DatabaseBusyError() : e;
      } finally {
        this.waiting(false);
      }
      return tx;
    };
    const wrote = (sql: string) => WRITE_STATEMENT.test(sql) && this.committed();
    return Object.assign(Object.create(inner) as SqlDriverAdapter, guarded(inner, wrote), {
      startTransaction: async (isolationLevel?: Parameters<SqlDriverAdapter["startTransaction"]>[0]) => {
        const tx = await startTransaction(isolationLevel);
        // Counted once, at COMMIT, and only when the transaction wrote (a read-only one keeps the caches).
        let wroteRows = false;
        const done = () => {
          if (wroteRows) this.committed();
          wroteRows = false;
        };
        const ran = (sql: string) => (WRITE_STATEMENT.test(sql) ? (wroteRows = true) : /^\s*COMMIT\b/i.test(sql) && done());
        return Object.assign(Object.create(tx) as Transaction, guarded(tx, ran), {
          commit: async () => {
            await tx.commit();
            done();
          },
        });
      },
    });
  }
}

/** A statement that changes rows when it runs outside a transaction (autocommit). */
const WRITE_STATEMENT = /^\s*(INSERT|UPDATE|DELETE)\b/i;

/**
 * Every statement of a connection or transaction goes through here:
 * - PostgreSQL text cannot hold U+0000 (SQLite's can, and no value Rootline accepts contains
 *   one): a NUL in a query parameter (a hostile path segment, a pasted name) is bad input,
 *   refused before the query instead of failing in the server as an encoding error (500);
 * - `ran` hears of each statement that succeeded (the change token's own-commit count).
 */
function guarded(q: Pick<SqlDriverAdapter, "queryRaw" | "executeRaw">, ran: (sql: string) => void): Pick<SqlDriverAdapter, "queryRaw" | "executeRaw"> {
  const check = (args: unknown[]) => {
    for (const a of args) if (typeof a === "string" && a.includes("\u0000")) throw new InputError("input", "the text contains a NUL character (U+0000)");
  };
  return {
    queryRaw: async (query) => {
      check(query.args);
      const r = await q.queryRaw(query);
      ran(query.sql);
      return r;
    },
    executeRaw: async (query) => {
      check(query.args);
      const r = await q.executeRaw(query);
      ran(query.sql);
      return r;
    },
  };
}

function isLockTimeout(e: unknown): boolean {
  const cause = (e as { cause?: { originalCode?: unknown } })?.cause;
  return cause?.originalCode === "55P03" || /lock timeout/i.test(String((e as Error)?.message));
}

/**
 * A dedicated connection that LISTENs for "rootline_change" (raised by triggers on Issuer and
 * Certificate, delivered at commit). The token is "<epoch>.<count>": the count moves with every
 * notification, the epoch with every (re)connection (what happened while disconnected is
 * unknown), and it is null while disconnected. Started on first use, so a CLI command that
 * never reads a cache never opens it; its socket does not keep the process alive.
 */
class ChangeListener {
  #client: pg.Client | null = null;
  #epoch = 0;
  #count = 0;
  #connected = false;
  #started = false;
  #closed = false;
  #delay = RECONNECT_MIN_MS;
  #timer: NodeJS.Timeout | null = null;

  constructor(private readonly url: string) {}

  token(): string | null {
    if (!this.#started) {
      this.#started = true;
      void this.#connect();
    }
    return this.#connected ? `${this.#epoch}.${this.#count}` : null;
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    const client = new pg.Client({ connectionString: this.url });
    this.#client = client;
    const lost = () => {
      if (this.#client !== client) return;
      this.#connected = false;
      this.#client = null;
      client.removeAllListeners("notification");
      void client.end().catch(() => {});
      this.#retry();
    };
    client.on("error", lost);
    client.on("end", lost);
    client.on("notification", (n) => {
      if (n.channel === CHANNEL) this.#count++;
    });
    try {
      await client.connect();
      unrefSocket(client);
      await client.query(`LISTEN ${CHANNEL}`);
      if (this.#client !== client) return;
      this.#epoch++;
      this.#count = 0;
      this.#connected = true;
      this.#delay = RECONNECT_MIN_MS;
    } catch {
      lost();
    }
  }

  #retry(): void {
    if (this.#closed || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#connect();
    }, this.#delay);
    this.#timer.unref();
    this.#delay = Math.min(this.#delay * 2, RECONNECT_MAX_MS);
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = null;
    this.#connected = false;
    await client?.end().catch(() => {});
  }
}

/**
 * The background jobs' lead: a dedicated session tries pg_try_advisory_lock(JOBS_LOCK) every
 * LEAD_POLL_MS until it gets it, and then holds it for as long as the session lives (checked
 * on each poll). When the leading instance dies, its session ends, PostgreSQL releases the
 * lock, and another instance's next poll takes it over.
 */
export class SessionLead implements JobLead {
  #client: pg.Client | null = null;
  #leading = false;
  #stopped = false;
  #inflight: Promise<void> | null = null;
  readonly #timer: NodeJS.Timeout;

  constructor(
    private readonly url: string,
    pollMs = LEAD_POLL_MS,
  ) {
    this.#timer = setInterval(() => void this.#poll(), pollMs);
    this.#timer.unref();
    void this.#poll();
  }

  leading(): boolean {
    return this.#leading;
  }

  /** Resolves once a poll has run (tests). */
  async poll(): Promise<boolean> {
    await this.#poll();
    return this.#leading;
  }

  #poll(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    // One poll at a time; a caller during a poll waits for it.
    this.#inflight ??= this.#pollOnce().finally(() => (this.#inflight = null));
    return this.#inflight;
  }

  async #pollOnce(): Promise<void> {
    try {
      if (!this.#client) {
        const client = new pg.Client({ connectionString: this.url });
        client.on("error", () => this.#drop(client));
        client.on("end", () => this.#drop(client));
        await client.connect();
        unrefSocket(client);
        this.#client = client;
      }
      if (this.#leading) {
        await this.#client.query("SELECT 1"); // still connected, so still holding the lock
      } else {
        const r = await this.#client.query<{ got: boolean }>(`SELECT pg_try_advisory_lock(${JOBS_LOCK}) AS got`);
        this.#leading = r.rows[0].got;
      }
    } catch {
      if (this.#client) this.#drop(this.#client);
    }
  }

  #drop(client: pg.Client): void {
    if (this.#client !== client) return;
    this.#client = null;
    this.#leading = false;
    void client.end().catch(() => {});
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    const client = this.#client;
    this.#client = null;
    this.#leading = false;
    await client?.end().catch(() => {}); // ends the session: the lock goes to another instance
  }
}

/** pg's socket keeps the event loop alive; these connections must not (CLI, tests). */
function unrefSocket(client: pg.Client): void {
  (client as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
}
