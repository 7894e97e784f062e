import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import pg from "pg";
import { closeDb } from "../db";
import { createIssuer } from "../issuers/service";
import { withDatabase } from "../test/pgGlobalSetup";
import { rootlineAsync as rootline, startIssuing } from "../test/rootlineCli";

/**
 * `rootline backup` / `restore` on PostgreSQL (pg_dump -Fc of an exported snapshot,
 * pg_restore), with the real binary: an online backup while another process issues, a
 * restore into a database that does not exist yet, and the refusal to replace one with data.
 */
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rootline-pgbackup-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("rootline backup / restore (PostgreSQL)", () => {
  it("backs up while another process writes, restores into a new database, refuses one with data without --force", async () => {
    const file = path.join(tmp, "pg.tar");
    await createIssuer({ kind: "cli", name: "test", role: "administrator" }, { name: "pgbk-ca", keyType: "ec-p256" });
    await closeDb(); // the restore checks below must not wait for this process's connections
    const writer = startIssuing("pgbk-ca");
    let manifest;
    try {
      await writer.waitFor(3);
      const before = writer.serials();
      const b = await rootline(["backup", "--out", file]);
      expect(b.code, b.err).toBe(0);
      const after = writer.serials();
      await writer.waitFor(after + 2);
      manifest = JSON.parse(b.out).manifest;
      expect(manifest).toMatchObject({ database: "postgresql", parts: [{ name: "rootline.pgdump" }] });
      expect(manifest.counts.certificates).toBeGreaterThanOrEqual(before);
      expect(manifest.counts.certificates).toBeLessThanOrEqual(after);
    } finally {
      writer.stop();
    }
    // A new database (named like this file's, so the suite's teardown drops it).
    const target = { DATABASE_URL: withDatabase(process.env.DATABASE_URL!, `${new URL(process.env.DATABASE_URL!).pathname.slice(1)}_restored`) };
    const [restored, refused] = await Promise.all([rootline(["restore", "--from", file], target), rootline(["restore", "--from", file])]);
    expect(restored.code, restored.err).toBe(0);
    expect(JSON.parse(restored.out)).toMatchObject({ audit: { ok: true, count: manifest.counts.auditEvents + 1 } });
    expect(refused.code).toBe(2);
    expect(refused.err).toContain("Pass --force");
    // The restored database holds what the manifest counted (plus the restore's audit entry).
    const client = new pg.Client({ connectionString: target.DATABASE_URL });
    await client.connect();
    try {
      const n = async (t: string) => Number((await client.query(`SELECT COUNT(*) AS n FROM "${t}"`)).rows[0].n);
      expect(await n("Certificate")).toBe(manifest.counts.certificates);
      expect(await n("AuditEvent")).toBe(manifest.counts.auditEvents + 1);
    } finally {
      await client.end();
    }
  }, 60_000); // each CLI run on PostgreSQL costs ~10 s on a loaded two-core machine
});
