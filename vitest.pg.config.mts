import { defineConfig } from "vitest/config";
import { LongFirst } from "./vitest.config.mts";

/**
 * The integration suite on PostgreSQL (scripts/test.sh runs it against a throw-away cluster;
 * ROOTLINE_PG_URL names the server): every in-process test file runs here as it runs on SQLite,
 * each on its own copy of a migrated template database (lib/test/pgSetup.ts). Files that do
 * not touch the database pass here trivially; the rule "everything but the exceptions below"
 * cannot miss a new database test the way a list of files would.
 *
 * PostgreSQL-only (*.pgtest.ts): lib/database/postgres.pgtest.ts (change notifications and the
 * repository cache, the listener's reconnect, the jobs' lead and its take-over, the audit log's
 * guards and gap-free seqs, case-insensitive search, migrations = datamodel),
 * lib/database/load.pgtest.ts (two app processes: issuance, serials, RN, audit chain, cache
 * invalidation) and lib/backup/backup.pgtest.ts (pg_dump backup and restore under load).
 *
 * Left out, each for a reason:
 * - lib/sqlite.*.test.ts, lib/cli/migrations.test.ts: SQLite itself (its busy handler, fault
 *   injection on its file, its isolation, its migration folder); their PostgreSQL counterparts
 *   are in postgres.pgtest.ts.
 * - lib/repository/documents.test.ts, lib/revocation/bulkRevocation.test.ts: they reach into
 *   the SQLite file (a second connection to it, its statement counter); the same behaviour on
 *   PostgreSQL is proved by postgres.pgtest.ts and load.pgtest.ts.
 * - *.process.test.ts: suites about real peers (certbot, nginx, OpenSSL, agents, proxies) whose
 *   database access is the code the in-process files cover here; they run on SQLite.
 */
export default defineConfig({
  resolve: { tsconfigPaths: true },
  test: {
    include: ["lib/**/*.test.ts", "app/**/*.test.ts", "components/**/*.test.ts", "scripts/**/*.test.ts", "lib/**/*.pgtest.ts"],
    exclude: [
      "**/node_modules/**",
      "**/*.process.test.ts",
      "lib/sqlite.*.test.ts",
      "lib/cli/migrations.test.ts",
      "lib/repository/documents.test.ts",
      "lib/revocation/bulkRevocation.test.ts",
    ],
    globalSetup: ["./lib/test/pgGlobalSetup.ts"],
    setupFiles: ["./lib/test/pgSetup.ts"],
    pool: "forks",
    maxWorkers: 2,
    sequence: { sequencer: LongFirst },
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
