import { spawnSync } from "node:child_process";
import pg from "pg";
import { InputError } from "../errors";
import { holdsData, readFacts, type Facts, type Query } from "./facts";

/**
 * PostgreSQL: `pg_dump -Fc` of an exported snapshot. The manifest's facts are read in the
 * same REPEATABLE READ transaction that exports the snapshot, so they describe exactly
 * the dump (lib/backup/backup.pgtest.ts).
 */
function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`cannot run ${cmd} (Debian's postgresql-client): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} failed (exit ${r.status}): ${r.stderr.trim().split("\n").slice(-3).join(" / ")}`);
}

async function withClient<T>(url: string, fn: (c: pg.Client, q: Query) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client, async (sql) => (await client.query(sql)).rows[0] as Record<string, unknown> | undefined);
  } finally {
    await client.end();
  }
}

export async function snapshotPostgres(url: string, dest: string): Promise<Facts> {
  return withClient(url, async (client, q) => {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    try {
      const snapshot = String((await q("SELECT pg_export_snapshot() AS id"))!.id);
      const facts = await readFacts(q);
      run("pg_dump", ["-Fc", "--no-owner", "--no-privileges", `--snapshot=${snapshot}`, "-f", dest, url]);
      return facts;
    } finally {
      await client.query("COMMIT");
    }
  });
}

export async function postgresHoldsData(url: string): Promise<boolean> {
  return withClient(url, (_c, q) => holdsData(q));
}

/** Restores the dump over the database named by `url` (its objects dropped first), in one transaction. */
export function restorePostgres(url: string, dump: string): void {
  run("pg_restore", ["--list", dump]); // a damaged dump is refused before anything is dropped
  run("pg_restore", ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error", "-d", url, dump]);
}

export async function inspectPostgres(url: string): Promise<Facts> {
  try {
    return await withClient(url, (_c, q) => readFacts(q));
  } catch (err) {
    throw new InputError("from", `the restored database cannot be read: ${(err as Error).message}`);
  }
}
