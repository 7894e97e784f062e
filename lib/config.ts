import fs from "node:fs";
import path from "node:path";

/**
 * Where Rootline keeps its state. One directory so an operator backs up one thing:
 * the SQLite database and, unless ROOTLINE_MASTER_KEY is set, the master key file.
 */
export function dataDir(): string {
  return path.resolve(/*turbopackIgnore: true*/ process.env.ROOTLINE_DATA_DIR ?? path.join(process.cwd(), "data"));
}

/**
 * The database: SQLite (`file:/abs/path.db`, the default, in the data directory) unless
 * DATABASE_URL says otherwise — `postgresql://USER@HOST:PORT/DB` selects PostgreSQL
 * (lib/database/postgres.ts). Tests point DATABASE_URL at their own file or database.
 */
export function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (url) return url;
  return `file:${path.join(dataDir(), "rootline.db")}`;
}

/** `postgresql://` or `postgres://`: DATABASE_URL selects PostgreSQL. */
export function isPostgresUrl(url = databaseUrl()): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/**
 * The SQLite file. On PostgreSQL there is none: what sits beside it (the master-key
 * holders' `run/` directory, lib/secrets/holders.ts) goes to the data directory.
 */
export function databaseFile(): string {
  if (isPostgresUrl()) return path.join(dataDir(), "rootline.db");
  return databaseUrl().replace(/^file:/, "");
}

/**
 * The data directory holds every sealed private key and, by default, the key that opens
 * them: it is made 0700, the database 0600. SQLite gives -wal/-shm the database file's
 * mode when it creates them, so the database is created 0600 before SQLite opens it, and
 * files left wider by an older version or by `prisma migrate deploy` are tightened.
 */
export function secureDataDir(): void {
  const db = databaseFile();
  for (const dir of [dataDir(), path.dirname(db)]) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  tighten(dataDir(), 0o700);
  fs.closeSync(fs.openSync(db, "a", 0o600));
  for (const f of [db, `${db}-wal`, `${db}-shm`, `${db}-journal`]) tighten(f, 0o600);
}

function tighten(file: string, mode: number): void {
  try {
    if ((fs.statSync(file).mode & 0o777 & ~mode) === 0) return;
    fs.chmodSync(file, mode);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "ENOENT") console.warn(`rootline: warning: cannot make ${file} mode ${mode.toString(8).padStart(4, "0")} (${code})`);
  }
}

/**
 * How long a write waits for SQLite's write lock (held by another process) before it
 * fails with a retryable DatabaseBusyError. The wait is asynchronous (lib/sqlite.ts).
 */
export function dbBusyDeadlineMs(): number {
  const v = Number(process.env.ROOTLINE_DB_BUSY_DEADLINE_MS);
  return Number.isFinite(v) && v > 0 ? v : 10_000;
}
