import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { databaseFile, databaseUrl, isPostgresUrl } from "./config";

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
/** PostgreSQL's own migrations, for prisma/postgres/schema.prisma (generated from prisma/schema.prisma). */
const PG_MIGRATIONS = path.join(ROOT, "prisma", "postgres", "migrations");

function migrationFolders(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(dir, e.name, "migration.sql")))
    .map((e) => e.name)
    .sort();
}

/** Migration folders (prisma/migrations/<name>/migration.sql) not yet applied to `file`. */
export function pendingMigrations(file = databaseFile()): string[] {
  if (isPostgresUrl()) return pendingPostgresMigrations(databaseUrl());
  const wanted = migrationFolders(MIGRATIONS);
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
  if (isPostgresUrl()) return ensurePostgresMigrated(opts);
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

/**
 * PostgreSQL: `prisma migrate deploy` takes an advisory lock there, so several instances
 * starting at once against one database queue on it and all but the first find nothing to
 * do. The read-only check still comes first (it costs ~0.2 s against the CLI's ~3 s), in a
 * child process because start-up is synchronous. A database that does not exist yet is
 * created (the URL names it; the server's `postgres` database is used to create it).
 */
const PG_PENDING = `
const pg = require("pg");
const [url, wanted] = [process.argv[1], JSON.parse(process.argv[2])];
async function main() {
  let c = new pg.Client({ connectionString: url });
  try { await c.connect(); } catch (e) {
    if (e.code !== "3D000") throw e;
    const u = new URL(url); const name = decodeURIComponent(u.pathname.slice(1)); u.pathname = "/postgres";
    const admin = new pg.Client({ connectionString: u.toString() }); await admin.connect();
    try { await admin.query('CREATE DATABASE "' + name.replace(/"/g, '""') + '"'); } catch (e2) { if (e2.code !== "42P04" && e2.code !== "23505") throw e2; /* created meanwhile by another instance */ }
    await admin.end(); c = new pg.Client({ connectionString: url }); await c.connect();
  }
  const t = await c.query("SELECT to_regclass('_prisma_migrations') IS NOT NULL AS t");
  let out = wanted;
  if (t.rows[0].t) {
    const rows = (await c.query("SELECT migration_name AS name, finished_at AS finished, rolled_back_at AS rolled FROM _prisma_migrations")).rows;
    const applied = new Set(rows.filter((r) => r.finished !== null && r.rolled === null).map((r) => r.name));
    out = wanted.filter((w) => !applied.has(w));
    if (out.length === 0 && rows.some((r) => r.finished === null && r.rolled === null)) out = ["(a failed migration)"];
  }
  await c.end();
  process.stdout.write(JSON.stringify(out));
}
main().catch((e) => { process.stderr.write(String(e && e.message || e)); process.exit(1); });
`;

function pendingPostgresMigrations(url: string): string[] {
  const r = spawnSync(process.execPath, ["-e", PG_PENDING, url, JSON.stringify(migrationFolders(PG_MIGRATIONS))], { cwd: ROOT, encoding: "utf8", timeout: 30_000 });
  if (r.status !== 0) throw new MigrationError(`cannot read the PostgreSQL database's migrations (${redact(url)}): ${(r.stderr || r.error?.message || "").trim()}`);
  return JSON.parse(r.stdout) as string[];
}

function ensurePostgresMigrated(opts: { log?: (line: string) => void }): string[] {
  const url = databaseUrl();
  const pending = pendingPostgresMigrations(url);
  if (pending.length === 0) return [];
  opts.log?.(`applying ${pending.length} database migration(s) to ${redact(url)}: ${pending.join(", ")}`);
  const prisma = path.join(ROOT, "node_modules", "prisma", "build", "index.js");
  const r = spawnSync(process.execPath, [prisma, "migrate", "deploy"], { cwd: ROOT, env: process.env, encoding: "utf8", timeout: 180_000 });
  if (r.status === 0) return pending;
  const last = `${r.stdout ?? ""}${r.stderr ?? ""}`.trim().split("\n").filter((l) => l.trim()).slice(-3).join(" / ");
  throw new MigrationError(`prisma migrate deploy failed (exit ${r.status ?? r.signal}): ${last}`);
}

/** A URL without its password, for messages. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "the configured database";
  }
}
