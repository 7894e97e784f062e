import { execFileSync } from "node:child_process";
import pg from "pg";

/**
 * The PostgreSQL run of the integration suite (vitest.pg.config.mts): ROOTLINE_PG_URL names a
 * server (scripts/test.sh starts a throw-away cluster: scripts/pg-cluster.sh). One template
 * database is migrated with the real `prisma migrate deploy` (prisma/postgres/migrations);
 * each test file then gets its own copy with `CREATE DATABASE … TEMPLATE` (lib/test/pgSetup.ts),
 * tens of milliseconds instead of a migration per file.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const server = process.env.ROOTLINE_PG_URL;
  if (!server) throw new Error("ROOTLINE_PG_URL is not set: run the PostgreSQL suite through scripts/test.sh (or start a cluster: scripts/pg-cluster.sh)");
  const template = `rootline_tpl_${process.pid}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${template}"`);
  execFileSync(process.execPath, ["node_modules/prisma/build/index.js", "migrate", "deploy"], { env: { ...process.env, DATABASE_URL: withDatabase(server, template) }, stdio: "pipe" });
  process.env.ROOTLINE_TEST_PG_TEMPLATE = template;
  return async () => {
    // Copies left by the files (a throw-away cluster disappears anyway; a shared server keeps nothing).
    const { rows } = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1 OR datname = $2`, [`rootline_t${process.pid}_%`, template]);
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => {});
    await admin.end();
  };
}

/** The server URL with another database name. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
