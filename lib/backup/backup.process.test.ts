import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { rootlineAsync as rootline, startIssuing } from "../test/rootlineCli";

/**
 * `rootline backup` / `restore` as operators run them (the real binary), on SQLite
 * (PostgreSQL: ./backup.pgtest.ts).
 */
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rootline-backup-test-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A data directory of its own (same master key unless given). */
function dataDir(name: string): Record<string, string> {
  const dir = path.join(tmp, name);
  return { ROOTLINE_DATA_DIR: dir, DATABASE_URL: `file:${path.join(dir, "rootline.db")}` };
}

describe("rootline backup / restore (SQLite)", () => {
  const backupFile = path.join(tmp, "live.tar");

  it("takes a consistent snapshot while another process keeps issuing certificates", async () => {
    expect((await rootline(["issuer", "create", "--name", "bk-ca", "--key", "ec-p256", "--subject", "CN=Backup CA"])).code).toBe(0);
    // The writer: a separate process issuing (and auditing) certificates as fast as it can.
    const writer = startIssuing("bk-ca");
    try {
      await writer.waitFor(5);
      const before = writer.serials();
      const b = await rootline(["backup", "--out", backupFile]);
      expect(b.err).toBe("");
      expect(b.code).toBe(0);
      const after = writer.serials();
      await writer.waitFor(after + 3); // still writing after the backup
      const { manifest } = JSON.parse(b.out);
      expect(manifest).toMatchObject({ format: "rootline-backup", version: 1, database: "sqlite", migration: expect.stringMatching(/^\d{4}_/), masterKeyId: expect.stringMatching(/^[0-9a-f]{16}$/) });
      // Online: certificates issued while the backup ran are in the snapshot up to one point.
      expect(manifest.counts.certificates).toBeGreaterThanOrEqual(before);
      expect(manifest.counts.certificates).toBeLessThanOrEqual(after);
      expect(after).toBeGreaterThan(before); // the writer was not stopped by the backup

      // The snapshot on its own: SQLite's integrity check, and the audit chain verifies in it.
      const x = path.join(tmp, "x");
      fs.mkdirSync(x);
      expect(spawnSync("tar", ["-xf", backupFile, "-C", x]).status).toBe(0);
      const snap = new Database(path.join(x, "rootline.db"), { readonly: true });
      expect(snap.pragma("integrity_check", { simple: true })).toBe("ok");
      const certs = (snap.prepare('SELECT COUNT(*) AS n FROM "Certificate"').get() as { n: number }).n;
      const audits = (snap.prepare('SELECT COUNT(*) AS n FROM "AuditEvent"').get() as { n: number }).n;
      snap.close();
      expect(certs).toBe(manifest.counts.certificates);
      expect(audits).toBe(manifest.counts.auditEvents);
      const v = await rootline(["audit", "verify"], { DATABASE_URL: `file:${path.join(x, "rootline.db")}` });
      expect(v.code).toBe(0);
      expect(JSON.parse(v.out)).toMatchObject({ ok: true, count: audits });
    } finally {
      writer.stop();
    }
  }, 20_000);

  it("restores into an empty data directory, refuses a non-empty one without --force, a damaged backup and the wrong master key", async () => {
    // ustar: a 512-byte header, then the data padded to 512 bytes; manifest.json comes first.
    const bytes = fs.readFileSync(backupFile);
    const text = bytes.subarray(512, bytes.indexOf(0, 512)).toString("utf8");
    const manifest = JSON.parse(text);
    const empty = dataDir("restored");
    const tampered = path.join(tmp, "tampered.tar");
    bytes[512 + Math.ceil(text.length / 512) * 512 + 512 + 5000] ^= 0x01; // inside rootline.db
    fs.writeFileSync(tampered, bytes);
    // The live database of the first test still holds data (and nobody has it open now).
    const [restored, damaged, wrongKey, refused] = await Promise.all([
      rootline(["restore", "--from", backupFile], empty),
      rootline(["restore", "--from", tampered], dataDir("damaged")),
      rootline(["restore", "--from", backupFile, "--force"], { ...dataDir("wrong-key"), ROOTLINE_MASTER_KEY: crypto.randomBytes(32).toString("base64") }),
      rootline(["restore", "--from", backupFile]),
    ]);
    expect(restored.code, restored.err).toBe(0);
    expect(JSON.parse(restored.out)).toMatchObject({ forced: false, audit: { ok: true, count: manifest.counts.auditEvents + 1 } });
    expect(damaged.code).toBe(2);
    expect(damaged.err).toMatch(/SHA-256 does not match the manifest/);
    expect(wrongKey.code).toBe(2);
    expect(wrongKey.err).toContain(`master key ${manifest.masterKeyId}`);
    expect(wrongKey.err).toContain("--force does not bypass this");
    expect(refused.code).toBe(2);
    expect(refused.err).toContain("already holds data");
    expect(refused.err).toContain("Pass --force");

    const [verify, list, forced] = await Promise.all([
      rootline(["audit", "verify"], empty),
      rootline(["cert", "list", "--issuer", "bk-ca", "--json"], empty),
      rootline(["restore", "--from", backupFile, "--force"]),
    ]);
    expect(verify.code).toBe(0);
    expect(JSON.parse(verify.out)).toMatchObject({ ok: true });
    expect(JSON.parse(list.out)).toHaveLength(manifest.counts.certificates);
    expect(forced.code, forced.err).toBe(0);
    expect(JSON.parse(forced.out)).toMatchObject({ forced: true, audit: { ok: true, count: manifest.counts.auditEvents + 1 } });
  }, 20_000);
});
