import path from "node:path";
import { defineConfig } from "vitest/config";
import { LongFirst } from "./vitest.config.mts";
import { pathToDatabase, sourceFiles } from "./scripts/check-layers.mjs";

/**
 * The integration suite on PostgreSQL (scripts/test.sh runs it against a throw-away cluster,
 * beside Playwright; ROOTLINE_PG_URL names the server): every in-process test file whose
 * imports reach the database (lib/db, followed through every module by the layering check's
 * pathToDatabase) runs here as on SQLite, each on its own copy of a migrated template database
 * (lib/test/pgSetup.ts). The rule picks up a new database test by itself; files that cannot
 * reach the database (the device side, the agents, the proxy, pure PKI: check-layers keeps the
 * database out of them) would only pass here a second time.
 *
 * PostgreSQL-only (*.pgtest.ts): lib/database/postgres.pgtest.ts (change notifications and the
 * repository cache, the listener's reconnect, the jobs' lead and its take-over, the audit log's
 * guards and gap-free seqs, case-insensitive search, NUL in parameters, migrations =
 * datamodel), lib/database/load.pgtest.ts (two app processes: issuance, serials, RN, audit
 * chain, cache invalidation) and lib/backup/backup.pgtest.ts (pg_dump backup and restore).
 *
 * Left out, each for a reason:
 * - lib/sqlite.*.test.ts, lib/cli/migrations.test.ts: SQLite itself (its busy handler, fault
 *   injection on its file, its isolation, its migration folder); their PostgreSQL counterparts
 *   are in postgres.pgtest.ts.
 * - lib/repository/documents.test.ts, lib/revocation/bulkRevocation.test.ts: they reach into
 *   the SQLite file (a second connection to it, its statement counter); the same behaviour on
 *   PostgreSQL is proved by postgres.pgtest.ts and load.pgtest.ts.
 * - *.process.test.ts: suites about real peers (certbot, nginx, OpenSSL, agents, proxies) whose
 *   database access is the code the files here cover; they run on SQLite.
 */
const SQLITE_ONLY = [/^lib\/sqlite\..*\.test\.ts$/, /^lib\/cli\/migrations\.test\.ts$/, /^lib\/repository\/documents\.test\.ts$/, /^lib\/revocation\/bulkRevocation\.test\.ts$/];

function databaseTests(): string[] {
  const out: string[] = [];
  for (const top of ["lib", "app", "components", "scripts"]) {
    for (const abs of sourceFiles(path.resolve(top))) {
      const rel = path.relative(process.cwd(), abs).split(path.sep).join("/");
      if (!/\.test\.tsx?$/.test(rel) || rel.endsWith(".process.test.ts") || SQLITE_ONLY.some((re) => re.test(rel))) continue;
      if (pathToDatabase(rel)) out.push(rel);
    }
  }
  return out;
}

export default defineConfig({
  resolve: { tsconfigPaths: true },
  test: {
    include: [...databaseTests(), "lib/**/*.pgtest.ts"],
    globalSetup: ["./lib/test/pgGlobalSetup.ts"],
    setupFiles: ["./lib/test/pgSetup.ts"],
    pool: "forks",
    maxWorkers: 2,
    sequence: { sequencer: LongFirst },
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
