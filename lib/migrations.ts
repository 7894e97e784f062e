import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { databaseFile } from "./config";

/**
 * Applying migrations at start-up (`npm start`, `npm run prepare-db`) and before a CLI
 * command. `prisma migrate deploy` needs the database to itself (it waits for every other
 * connection to close and then fails with "unknown variant SocketTimeout"), so an
 * up-to-date database is recognised first, read-only, from `_prisma_migrations` against
 * prisma/migrations, and left alone: a second instance, or a restart beside a live one,
 * starts without touching the lock. Only a pending migration runs `migrate deploy`; when
 * that cannot get the database, the error names the processes that hold it.
 */
const ROOT = path.resolve(__dirname, "..");
const MIGRATIONS = path.join(ROOT, "prisma", "migrations");

/** Migration folders (prisma/migrations/<name>/migration.sql) not yet applied to `file`. */
export function pendingMigrations(file = databaseFile()): string[] {
  const wanted = fs
    .readdirSync(MIGRATIONS, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(MIGRATIONS, e.name, "migration.sql")))
    .map((e) => e.name)
    .sort();
  if (!fs.existsSync(file)) return wanted;
  const conn = new Database(file, { readonly: true, fileMustExist: true, timeout: 1000 });
  try {
    const table = conn.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'").get();
    if (!table) return wanted;
    const rows = conn.prepare("SELECT migration_name AS name, finished_at AS finished, rolled_back_at AS rolledBack FROM _prisma_migrations").all() as { name: string; finished: unknown; rolledBack: unknown }[];
    const applied = new Set(rows.filter((r) => r.finished !== null && r.rolledBack === null).map((r) => r.name));
    // A failed attempt (started, never finished, not rolled back) is for migrate deploy to report.
    const failed = rows.some((r) => r.finished === null && r.rolledBack === null);
    const pending = wanted.filter((w) => !applied.has(w));
    return failed && pending.length === 0 ? ["(a failed migration)"] : pending;
  } finally {
    conn.close();
  }
}

/** Processes other than this one with `file` (or its -wal/-shm) open, from /proc (Linux). */
export function databaseHolders(file = databaseFile()): string[] {
  const targets = new Set([file, `${file}-wal`, `${file}-shm`].map((f) => path.resolve(f)));
  const out: string[] = [];
  let pids: string[];
  try {
    pids = fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d) && Number(d) !== process.pid);
  } catch {
    return out;
  }
  for (const pid of pids) {
    try {
      const fds = fs.readdirSync(`/proc/${pid}/fd`);
      if (!fds.some((fd) => targets.has(safeReadlink(`/proc/${pid}/fd/${fd}`)))) continue;
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ").replace(/\s+/g, " ");
      out.push(`pid ${pid} (${cmd.length > 80 ? `${cmd.slice(0, 77)}…` : cmd})`);
    } catch {
      // Gone, or not ours to inspect.
    }
  }
  return out;
}

function safeReadlink(p: string): string {
  try {
    return fs.readlinkSync(p);
  } catch {
    return "";
  }
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MigrationError";
  }
}

/**
 * Applies pending migrations with `prisma migrate deploy` (the production path; see
 * shared notes/toolchain.md). Returns the names applied (empty when up to date, without
 * writing to or locking the database).
 */
export function ensureMigrated(opts: { log?: (line: string) => void } = {}): string[] {
  const file = databaseFile();
  const pending = pendingMigrations(file);
  if (pending.length === 0) return [];
  opts.log?.(`applying ${pending.length} database migration(s) to ${file}: ${pending.join(", ")}`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const prisma = path.join(ROOT, "node_modules", "prisma", "build", "index.js");
  const r = spawnSync(process.execPath, [prisma, "migrate", "deploy"], { cwd: ROOT, env: process.env, encoding: "utf8", timeout: 180_000 });
  if (r.status === 0) return pending;
  const output = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  if (/SocketTimeout|database is locked|SQLITE_BUSY/i.test(output)) {
    const holders = databaseHolders(file);
    throw new MigrationError(
      `cannot apply migrations: ${file} is in use${holders.length ? ` by ${holders.join(", ")}` : " by another process"}; stop it (migrations need the database to themselves) and run \`npm run prepare-db\``,
    );
  }
  const last = output.trim().split("\n").filter((l) => l.trim()).slice(-3).join(" / ");
  throw new MigrationError(`prisma migrate deploy failed (exit ${r.status ?? r.signal}): ${last}`);
}
