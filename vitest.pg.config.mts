import { defineConfig } from "vitest/config";

/**
 * The integration suite on PostgreSQL (scripts/test.sh runs it against a throw-away cluster;
 * ROOTLINE_PG_URL names the server). The files below prove the invariants that depend on the
 * database: prefix revocation and the RN (renewal requests inserted by the dialect's JSON
 * rows), renewals, the CRL rebuilt once under concurrency (two processes included),
 * certificate search, ACME (nonces, orders, finalize); *.pgtest.ts are PostgreSQL-only:
 * lib/database/postgres.pgtest.ts (change notifications and the repository cache, the
 * listener's reconnect, the jobs' lead and its take-over, the audit log's guards and gap-free
 * seqs, case-insensitive search, migrations = datamodel) and lib/database/load.pgtest.ts (the
 * two-instance load proof: issuance, serials, RN, audit chain, cache invalidation).
 * issue.test.ts adds two processes issuing at once (serials unique and gap-free).
 * Left out: files that reach into SQLite itself (documents.test.ts, anchor.test.ts,
 * bulkRevocation.test.ts use the file, its connection or sqlite_sequence).
 * Budget: ≤ 90 s wall time on two cores.
 */
export default defineConfig({
  resolve: { tsconfigPaths: true },
  test: {
    include: [
      "lib/**/*.pgtest.ts",
      "lib/certificates/issue.test.ts",
      "lib/certificates/query.test.ts",
      "lib/revocation/prefix.test.ts",
      "lib/revocation/renewal.test.ts",
      "lib/revocation/crlStore.test.ts",
      "lib/acme/acme.test.ts",
      "lib/rotation-run/engine.test.ts",
      "lib/secrets/purge.test.ts",
      "lib/revocation/rn.property.test.ts",
      "lib/generations/job.test.ts",
    ],
    globalSetup: ["./lib/test/pgGlobalSetup.ts"],
    setupFiles: ["./lib/test/pgSetup.ts"],
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
