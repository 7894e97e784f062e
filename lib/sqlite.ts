import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory, SqlQuery, SqlResultSet, Transaction } from "@prisma/driver-adapter-utils";
import type Database from "better-sqlite3";
import { dbBusyDeadlineMs } from "./config";
import type { WriteHealth } from "./database/backend";
import { DatabaseBusyError } from "./errors";

/**
 * SQLite's own busy wait. better-sqlite3 runs it on the main thread (a sleep loop), so
 * it stays a few milliseconds: long enough for the microsecond races of WAL readers,
 * short enough never to stall the event loop. Waiting for another process's write lock
 * is done asynchronously below, up to dbBusyDeadlineMs().
 */
const BUSY_WAIT_MS = 2;
/** Backoff between attempts to take the write lock. */
const RETRY_MIN_MS = 2;
const RETRY_MAX_MS = 50;
/** Health: a writer waiting this long, or a probe failing this long, means "cannot write". */
const BUSY_REPORT_MS = 1_000;
/** Health: a transaction holding the in-process lock this long has leaked (Prisma's own timeout is 5 s). */
const WEDGE_MS = 60_000;
const PROBE_CACHE_MS = 1_000;

export type { WriteHealth } from "./database/backend";

/**
 * Prisma's better-sqlite3 adapter, tuned for several Rootline processes (app, CLI,
 * sweep) on one file:
 * - WAL: readers never block the writer, the writer never blocks readers.
 * - Transactions start with BEGIN IMMEDIATE: they take the write lock when they start.
 *   With a deferred BEGIN, two processes that both read and then write deadlock and
 *   SQLite fails one at once (no busy wait): the classic lock upgrade. Every
 *   interactive transaction in Rootline writes, so nothing is lost.
 * - Busy handling: the adapter's own startTransaction takes an internal mutex and
 *   never releases it when its BEGIN fails (one SQLITE_BUSY wedged the process for
 *   good), and better-sqlite3's busy_timeout blocks the event loop. So transactions
 *   are started here instead: an in-process queue (one transaction at a time on the
 *   one connection), then BEGIN IMMEDIATE retried asynchronously with backoff until
 *   the deadline, then a DatabaseBusyError (retryable: nothing was written). The
 *   queue is released on every path: commit, rollback, a failed BEGIN, a failed COMMIT.
 *   Autocommit writes outside a transaction wait for that queue (so they never join
 *   another request's open transaction, and never roll back with it) and get the same
 *   asynchronous retry.
 * - Reads outside a transaction go to a second connection. Between the awaits of an
 *   interactive transaction its writes are visible on the writer's connection, so a
 *   read there (the repository signing the RN it sees) could publish what then rolls
 *   back. The reader sees committed data only (WAL), and never waits for the writer.
 */
export class RootlineSqlite implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = "sqlite" as const;
  readonly adapterName: string;
  readonly #inner: PrismaBetterSQLite3;
  readonly #readerFactory: PrismaBetterSQLite3;
  readonly #lock = new TxQueue();
  #waitingSince: number | null = null;
  #probe: { at: number; result: Promise<WriteHealth> } | null = null;

  constructor(url: string) {
    this.#inner = new PrismaBetterSQLite3({ url, timeout: BUSY_WAIT_MS });
    this.#readerFactory = new PrismaBetterSQLite3({ url, timeout: BUSY_WAIT_MS });
    this.adapterName = this.#inner.adapterName;
  }

  async connect(): Promise<SqlDriverAdapter> {
    const inner = await this.#inner.connect();
    const client = (inner as unknown as { client: Database.Database }).client;
    tune(client);
    // Opened after the writer, which created the file and set WAL.
    const reader = await this.#readerFactory.connect();
    this.#reader = (reader as unknown as { client: Database.Database }).client;
    this.#reader.pragma(`busy_timeout = ${BUSY_WAIT_MS}`);
    this.client = client;
    return this.#wrap(inner, client, reader);
  }

  /** The connection Prisma opened, for writes and transactions; null before the first query. */
  client: Database.Database | null = null;
  #reader: Database.Database | null = null;

  /**
   * Changes whenever anything committed to the database, in this process or another:
   * the reader connection never writes, so its `data_version` moves with every commit
   * of every other connection, ours included — and not with writes still uncommitted.
   * Costs microseconds, so read-mostly endpoints can validate a cache on every request.
   */
  changeToken(): string | null {
    if (!this.#reader) return null;
    // Prepared once: pragma() would compile a statement per call (2.4 µs vs 0.8 µs).
    this.#token ??= this.#reader.prepare("SELECT data_version FROM pragma_data_version()").pluck();
    return String(this.#token.get());
  }

  #token: Database.Statement | undefined;

  connectToShadowDb(): Promise<SqlDriverAdapter> {
    return this.#inner.connectToShadowDb();
  }

  /**
   * Can this process write? Not if a writer here has waited for the lock for over a
   * second, if a transaction has held the in-process queue for a minute (a leak), or if
   * a probe (BEGIN IMMEDIATE + ROLLBACK with no busy wait) keeps failing for ~250 ms.
   * The probe runs at most once a second, so health stays cheap.
   */
  async writeHealth(now = Date.now()): Promise<WriteHealth> {
    const held = this.#lock.heldSince;
    if (held !== null && now - held > WEDGE_MS) return { ok: false, db: "wedged", detail: `a transaction has held the database for ${Math.round((now - held) / 1000)} s` };
    if (this.#waitingSince !== null && now - this.#waitingSince > BUSY_REPORT_MS) return { ok: false, db: "busy", detail: `writes have waited ${Math.round((now - this.#waitingSince) / 1000)} s for the write lock (another process holds it)` };
    if (!this.client) return { ok: true };
    if (!this.#probe || now - this.#probe.at > PROBE_CACHE_MS) this.#probe = { at: now, result: this.#probeWrite(this.client) };
    return this.#probe.result;
  }

  async #probeWrite(client: Database.Database): Promise<WriteHealth> {
    for (let attempt = 0; ; attempt++) {
      // Our own open transaction holds the write lock: writing works.
      if (client.inTransaction) return { ok: true };
      try {
        client.pragma("busy_timeout = 0");
        try {
          client.exec("BEGIN IMMEDIATE");
          client.exec("ROLLBACK");
        } finally {
          client.pragma(`busy_timeout = ${BUSY_WAIT_MS}`);
        }
        return { ok: true };
      } catch (e) {
        if (!isBusy(e)) return { ok: false, db: "error", detail: e instanceof Error ? e.message : String(e) };
        if (attempt >= 5) return { ok: false, db: "busy", detail: "another process holds the database's write lock" };
      }
      await sleep(50);
    }
  }

  #wrap(inner: SqlDriverAdapter, client: Database.Database, reader: SqlDriverAdapter): SqlDriverAdapter {
    const begin = client.prepare("BEGIN IMMEDIATE");
    const retry = <T>(run: () => Promise<T>) => this.#retryBusy(run, Date.now() + dbBusyDeadlineMs());
    // An autocommit write takes its turn in the transaction queue: on the shared writer
    // connection it would otherwise become part of whichever transaction is open.
    const write = async <T>(run: () => Promise<T>) => {
      const deadline = Date.now() + dbBusyDeadlineMs();
      const release = await this.#lock.acquire(deadline);
      try {
        return await this.#retryBusy(run, deadline);
      } finally {
        release();
      }
    };
    return {
      provider: inner.provider,
      adapterName: inner.adapterName,
      queryRaw: (q: SqlQuery) => (isRead(q.sql) ? retry(() => reader.queryRaw(q)) : write(() => inner.queryRaw(q))),
      executeRaw: (q: SqlQuery) => write(() => inner.executeRaw(q)),
      executeScript: (script: string) => write(() => inner.executeScript(script)),
      dispose: async () => {
        await reader.dispose();
        await inner.dispose();
      },
      startTransaction: async (isolationLevel) => {
        // Same refusal as the adapter's own startTransaction.
        if (isolationLevel && isolationLevel !== "SERIALIZABLE") return inner.startTransaction(isolationLevel);
        const deadline = Date.now() + dbBusyDeadlineMs();
        const release = await this.#lock.acquire(deadline);
        try {
          await this.#retryBusy(async () => void begin.run(), deadline);
        } catch (e) {
          release();
          throw e;
        }
        return new RootlineTransaction(inner, client, release);
      },
    };
  }

  /** Runs `run` until it does not fail with SQLITE_BUSY, sleeping (not blocking) in between. */
  async #retryBusy<T>(run: () => Promise<T>, deadline: number): Promise<T> {
    let delay = RETRY_MIN_MS;
    for (;;) {
      try {
        const r = await run();
        this.#waitingSince = null;
        return r;
      } catch (e) {
        if (!isBusy(e)) throw e;
        this.#waitingSince ??= Date.now();
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new DatabaseBusyError();
      await sleep(Math.min(delay * (0.5 + Math.random()), left));
      delay = Math.min(delay * 2, RETRY_MAX_MS);
    }
  }
}

/**
 * One interactive transaction: statements go to the adapter's connection (which is in
 * the transaction); closing it always releases the in-process queue, and never leaves
 * the connection inside a transaction.
 */
class RootlineTransaction implements Transaction {
  readonly provider = "sqlite" as const;
  readonly adapterName: string;
  readonly options = { usePhantomQuery: false };
  #release: (() => void) | null;

  constructor(
    private readonly inner: SqlDriverAdapter,
    private readonly client: Database.Database,
    release: () => void,
  ) {
    this.adapterName = inner.adapterName;
    this.#release = release;
  }

  queryRaw(q: SqlQuery): Promise<SqlResultSet> {
    return this.inner.queryRaw(q);
  }

  async executeRaw(q: SqlQuery): Promise<number> {
    // Prisma sends COMMIT/ROLLBACK here and then calls commit()/rollback(), but not when
    // the statement throws: close the transaction ourselves then.
    if (q.sql !== "COMMIT" && q.sql !== "ROLLBACK") return this.inner.executeRaw(q);
    try {
      return await this.inner.executeRaw(q);
    } catch (e) {
      this.#close();
      throw e;
    }
  }

  commit(): Promise<void> {
    this.#close();
    return Promise.resolve();
  }

  rollback(): Promise<void> {
    this.#close();
    return Promise.resolve();
  }

  #close(): void {
    if (!this.#release) return;
    if (this.client.inTransaction) {
      try {
        this.client.exec("ROLLBACK");
      } catch {
        // Nothing more to do: SQLite already ended the transaction.
      }
    }
    const release = this.#release;
    this.#release = null;
    release();
  }
}

/** FIFO of transactions on the one connection; a waiter gives up (busy) at its deadline. */
class TxQueue {
  heldSince: number | null = null;
  readonly #waiters: { grant: () => void; timer: NodeJS.Timeout }[] = [];

  acquire(deadline: number): Promise<() => void> {
    if (this.heldSince === null) {
      this.heldSince = Date.now();
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: () => {
          clearTimeout(waiter.timer);
          this.heldSince = Date.now();
          resolve(this.#releaser());
        },
        timer: setTimeout(() => {
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
          reject(new DatabaseBusyError());
        }, Math.max(0, deadline - Date.now())),
      };
      this.#waiters.push(waiter);
    });
  }

  #releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.#waiters.shift();
      if (next) next.grant();
      else this.heldSince = null;
    };
  }
}

/** A statement that only reads (Prisma's reads are SELECTs; writes with RETURNING start with INSERT/UPDATE/DELETE). */
function isRead(sql: string): boolean {
  return /^\s*(SELECT|WITH)\b/i.test(sql) && !/\b(INSERT|UPDATE|DELETE|REPLACE)\b/i.test(sql.slice(0, 200));
}

function isBusy(e: unknown): boolean {
  // better-sqlite3's SqliteError, or the adapter's DriverAdapterError wrapping it.
  const code = (e as { code?: unknown })?.code ?? (e as { cause?: { originalCode?: unknown } })?.cause?.originalCode;
  return typeof code === "string" && code.startsWith("SQLITE_BUSY");
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function tune(client: Database.Database): void {
  client.pragma("journal_mode = WAL");
  client.pragma(`busy_timeout = ${BUSY_WAIT_MS}`);
  // Keeps the query planner's statistics current (SQLite's advice: on every open).
  // Advisory: skipped when another process holds the write lock.
  try {
    client.pragma("optimize = 0x10002");
  } catch (e) {
    if (!isBusy(e)) throw e;
  }
}
