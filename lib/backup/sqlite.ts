import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { InputError } from "../errors";
import { readFacts, holdsData, type Facts, type Query } from "./facts";
import { fsyncDir, fsyncFile } from "./manifest";

const queryOf =
  (conn: Database.Database): Query =>
  async (sql) =>
    conn.prepare(sql).get() as Record<string, unknown> | undefined;

/**
 * SQLite's online backup API on a connection of its own (the app and other CLI runs keep
 * writing): each step copies under a read transaction, and a step after a concurrent
 * write restarts the copy, so the result is one committed state. After the first step the
 * rest goes in one step, which a writer in WAL mode cannot interrupt. The copy is then made
 * a single self-contained file (rollback journal, not WAL) and checked.
 */
export async function snapshotSqlite(source: string, dest: string): Promise<Facts> {
  if (!fs.existsSync(source)) throw new InputError("database", `there is no database at ${source}`);
  const src = new Database(source, { fileMustExist: true, timeout: 10_000 });
  try {
    await src.backup(dest, { progress: ({ totalPages }) => Math.max(totalPages, 100) });
  } finally {
    src.close();
  }
  const snap = new Database(dest);
  try {
    snap.pragma("journal_mode = DELETE");
    const check = snap.pragma("integrity_check", { simple: true });
    if (check !== "ok") throw new Error(`the snapshot failed SQLite's integrity check: ${String(check)}`);
    return await readFacts(queryOf(snap));
  } finally {
    snap.close();
  }
}

/** The snapshot as restored: integrity checked, and the facts the manifest is compared with. */
export async function inspectSqlite(file: string): Promise<Facts> {
  const conn = new Database(file, { fileMustExist: true });
  try {
    const check = conn.pragma("integrity_check", { simple: true });
    if (check !== "ok") throw new InputError("from", `the database in the backup fails SQLite's integrity check (${String(check)}): the backup is damaged`);
    return await readFacts(queryOf(conn));
  } finally {
    conn.close();
  }
}

export async function sqliteHoldsData(file: string): Promise<boolean> {
  if (!fs.existsSync(file) || fs.statSync(file).size === 0) return false;
  const conn = new Database(file, { readonly: true, fileMustExist: true, timeout: 10_000 });
  try {
    return await holdsData(queryOf(conn));
  } finally {
    conn.close();
  }
}

/**
 * Puts `snapshot` (a file on the database's file system) in place of `target` atomically.
 * The old database's WAL is checkpointed into it and removed first: a -wal left beside the
 * new file would be replayed into it on the next open. Nobody else may have the database
 * open (the caller checked); then: fsync, rename over, remove -shm/-journal leftovers, fsync
 * the directory.
 */
export function replaceSqlite(snapshot: string, target: string): void {
  if (fs.statSync(snapshot).dev !== fs.statSync(path.dirname(target)).dev) throw new Error("the snapshot must be on the database's file system (rename is atomic only there)");
  if (fs.existsSync(target) && fs.statSync(target).size > 0) {
    const old = new Database(target, { fileMustExist: true, timeout: 10_000 });
    try {
      old.pragma("wal_checkpoint(TRUNCATE)");
      old.pragma("journal_mode = DELETE"); // removes the -wal
    } finally {
      old.close();
    }
  }
  fs.chmodSync(snapshot, 0o600);
  fsyncFile(snapshot);
  fs.renameSync(snapshot, target);
  for (const f of [`${target}-wal`, `${target}-shm`, `${target}-journal`]) fs.rmSync(f, { force: true });
  fsyncDir(path.dirname(target));
}
