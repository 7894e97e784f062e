import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb, databaseWriteHealth, db } from "./db";
import { databaseFile } from "./config";
import { DatabaseBusyError } from "./errors";
import { holdWriteLock } from "./test/holdLock";

/**
 * Busy handling of lib/sqlite.ts against a real foreign writer (python3's sqlite3 holding
 * BEGIN IMMEDIATE): a busy database is a retryable DatabaseBusyError, never a leaked lock,
 * and waiting for the lock never blocks the event loop.
 */
const DEADLINE_MS = 600;
/** A synchronous busy wait would block the loop for the whole deadline; allow for a loaded machine. */
const MAX_GAP_MS = 200;

/** Longest gap between 5 ms timer ticks while `p` runs: how long the event loop was blocked. */
async function maxLoopGap<T>(p: Promise<T>): Promise<{ gap: number; result: PromiseSettledResult<T> }> {
  let last = performance.now();
  let gap = 0;
  const t = setInterval(() => {
    const now = performance.now();
    gap = Math.max(gap, now - last);
    last = now;
  }, 5);
  const [result] = await Promise.allSettled([p]);
  clearInterval(t);
  return { gap, result };
}

const within = <T>(p: Promise<T>, ms: number) => Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`still pending after ${ms} ms (hung)`)), ms))]);

describe("SQLite busy handling", () => {
  beforeAll(async () => {
    process.env.ROOTLINE_DB_BUSY_DEADLINE_MS = String(DEADLINE_MS);
    await db().signInAttempt.count(); // opens the database (WAL) before the foreign writer
  });
  afterAll(async () => {
    delete process.env.ROOTLINE_DB_BUSY_DEADLINE_MS;
    await closeDb();
  });

  it("fails a transaction with a retryable error at the deadline, without blocking the loop, and does not wedge the process", async () => {
    const lock = await holdWriteLock(databaseFile(), 2);
    const t0 = Date.now();
    const { gap, result } = await maxLoopGap(db().$transaction((tx) => tx.signInAttempt.create({ data: { key: "busy-test" } })));
    expect(result.status).toBe("rejected");
    expect((result as PromiseRejectedResult).reason).toBeInstanceOf(DatabaseBusyError);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(DEADLINE_MS - 20);
    expect(Date.now() - t0).toBeLessThan(DEADLINE_MS + 1000);
    expect(gap).toBeLessThan(MAX_GAP_MS);

    // Autocommit writes get the same treatment.
    await expect(db().signInAttempt.create({ data: { key: "busy-autocommit" } })).rejects.toBeInstanceOf(DatabaseBusyError);
    // The process says it cannot write.
    expect(await databaseWriteHealth()).toMatchObject({ ok: false, db: "busy" });

    await lock.released;
    // Before the fix, the adapter's leaked mutex made this wait forever.
    await within(db().$transaction((tx) => tx.signInAttempt.create({ data: { key: "after" } })), 3000);
    await within(db().signInAttempt.create({ data: { key: "after-autocommit" } }), 3000);
    expect(await db().signInAttempt.count({ where: { key: { startsWith: "busy" } } })).toBe(0);
    await new Promise((r) => setTimeout(r, 1100)); // the health probe is cached for a second
    expect(await databaseWriteHealth()).toEqual({ ok: true });
  });

  it("waits asynchronously and succeeds when the lock is released before the deadline; queued transactions keep their order", async () => {
    const lock = await holdWriteLock(databaseFile(), 0.3);
    const keys = ["q1", "q2", "q3", "q4"];
    const { gap, result } = await maxLoopGap(Promise.all(keys.map((key) => db().$transaction((tx) => tx.signInAttempt.create({ data: { key } })))));
    await lock.released;
    expect(result.status).toBe("fulfilled");
    expect(gap).toBeLessThan(MAX_GAP_MS);
    const rows = await db().signInAttempt.findMany({ where: { key: { in: keys } }, orderBy: { id: "asc" } });
    expect(rows.map((r) => r.key)).toEqual(keys);
  });

  it("releases the transaction lock when the callback throws and when a statement fails", async () => {
    await expect(db().$transaction(async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(db().$transaction((tx) => tx.$executeRawUnsafe("INSERT INTO no_such_table VALUES (1)"))).rejects.toThrow();
    await within(db().$transaction((tx) => tx.signInAttempt.create({ data: { key: "still-works" } })), 2000);
  });
});
