import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { cliActor } from "../auth/actor";
import { appendAudit, verifyAuditLog, type AuditVerdict } from "../audit";
import { databaseFile, databaseUrl, isPostgresUrl, secureDataDir } from "../config";
import { ConflictError, InputError } from "../errors";
import { databaseHolders, ensureMigrated } from "../migrations";
import { loadedMasterKey } from "../secrets/derive";
import { masterKeys } from "../secrets/masterKey";
import { checkFacts, checkMigrationKnown } from "./facts";
import { BACKUP_FORMAT, BACKUP_VERSION, readBackupFile, sha256File, writeBackupFile, type Manifest } from "./manifest";
import { inspectPostgres, postgresHoldsData, restorePostgres, snapshotPostgres } from "./postgres";
import { inspectSqlite, replaceSqlite, snapshotSqlite, sqliteHoldsData } from "./sqlite";

/** Work files go beside the target, so the final renames stay on one file system. */
function workDir(beside: string): string {
  fs.mkdirSync(beside, { recursive: true });
  return fs.mkdtempSync(path.join(beside, ".rootline-backup-"));
}

async function db() {
  return (await import("../db")).db();
}

/**
 * `rootline backup`: an online snapshot (the app keeps running and writing), packed with its
 * manifest. The `backup.create` audit entry is written to the live log after the snapshot
 * was taken, so a backup never contains its own entry.
 */
export async function createBackup(out: string): Promise<{ file: string; bytes: number; manifest: Manifest }> {
  const file = path.resolve(out);
  if (fs.existsSync(file) && !fs.statSync(file).isFile()) throw new InputError("out", `${out} exists and is not a file`);
  const postgres = isPostgresUrl();
  const work = workDir(path.dirname(file));
  try {
    const name = postgres ? "rootline.pgdump" : "rootline.db";
    const part = path.join(work, name);
    const facts = postgres ? await snapshotPostgres(databaseUrl(), part) : await snapshotSqlite(databaseFile(), part);
    const manifest: Manifest = {
      format: BACKUP_FORMAT,
      version: BACKUP_VERSION,
      createdAt: new Date().toISOString(),
      database: postgres ? "postgresql" : "sqlite",
      ...facts,
      masterKeyId: masterKeys().current.id.toString("hex"),
      parts: [{ name, size: fs.statSync(part).size, sha256: sha256File(part) }],
    };
    writeBackupFile(file, work, manifest);
    const { parts, ...summary } = manifest;
    await (await db()).$transaction((tx) => appendAudit(tx, cliActor(), { action: "backup.create", targetType: "backup", targetId: path.basename(file), after: { file, sha256: parts[0].sha256, ...summary } }));
    return { file, bytes: fs.statSync(file).size, manifest };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

export interface RestoreResult {
  manifest: Manifest;
  forced: boolean;
  migrated: string[];
  audit: AuditVerdict;
}

/**
 * `rootline restore`: checks the backup (manifest, hashes, schema level, the master key it
 * names, the snapshot against its manifest) before touching anything, refuses to replace a
 * database holding data unless `force`, restores, migrates forward if the backup is older,
 * and verifies the audit chain. The app must be stopped (docs/OPERATIONS.md).
 */
export async function restoreBackup(from: string, force: boolean): Promise<RestoreResult> {
  const postgres = isPostgresUrl();
  const target = databaseFile();
  if (!postgres) secureDataDir(); // a fresh data directory gets its 0700 before the snapshot lands in it
  const work = workDir(postgres ? os.tmpdir() : path.dirname(target));
  try {
    const { manifest, part } = readBackupFile(path.resolve(from), work);
    const kind = postgres ? "postgresql" : "sqlite";
    if (manifest.database !== kind) {
      throw new InputError("from", `the backup is of a ${manifest.database} database, but DATABASE_URL selects ${kind}: restore it into a ${manifest.database} database`);
    }
    checkMigrationKnown(manifest.migration, postgres);
    if (!loadedMasterKey(manifest.masterKeyId)) {
      const { current, previous } = masterKeys();
      const held = [current, previous].filter((k) => !!k).map((k) => k!.id.toString("hex"));
      throw new InputError(
        "master-key",
        `the backup was made under master key ${manifest.masterKeyId}, but this process holds ${held.join(" and ")}: set ROOTLINE_MASTER_KEY (or the data directory's master.key) to that key, or pass it as ROOTLINE_PREVIOUS_MASTER_KEY. --force does not bypass this: without that key the backup's sealed private keys would not open and its audit anchor would not verify`,
      );
    }
    if (postgres) {
      // Creates the database named in the URL when it does not exist yet (an empty schema holds no data).
      ensureMigrated({ log: (line) => process.stderr.write(`rootline: ${line}\n`) });
      if (!force && (await postgresHoldsData(databaseUrl()))) throw refuseNonEmpty("the PostgreSQL database");
      restorePostgres(databaseUrl(), part);
      checkFacts(await inspectPostgres(databaseUrl()), manifest);
    } else {
      checkFacts(await inspectSqlite(part), manifest);
      const holders = databaseHolders(target);
      if (holders.length) throw new ConflictError("database", `${target} is in use by ${holders.join(", ")}: stop the app (and any other Rootline process) before a restore`);
      if (!force && (await sqliteHoldsData(target))) throw refuseNonEmpty(target);
      replaceSqlite(part, target);
    }
    // A backup from an older Rootline: bring its schema up to this version.
    const migrated = ensureMigrated({ log: (line) => process.stderr.write(`rootline: ${line}\n`) });
    const conn = await db();
    let audit = await verifyAuditLog(conn);
    if (audit.ok) {
      const { parts, ...summary } = manifest;
      await conn.$transaction((tx) => appendAudit(tx, cliActor(), { action: "backup.restore", targetType: "backup", targetId: path.basename(from), after: { sha256: parts[0].sha256, ...summary, forced: force } }));
      audit = await verifyAuditLog(conn);
    }
    return { manifest, forced: force, migrated, audit };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function refuseNonEmpty(what: string): ConflictError {
  return new ConflictError("force", `${what} already holds data (users, issuers, certificates or audit entries); restoring would replace all of it. Pass --force to replace it`);
}
