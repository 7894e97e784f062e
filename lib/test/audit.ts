import { databaseBackend, db } from "../db";

/** What an attacker with write access to the database (file) can do first: drop the triggers. */
export async function dropAuditTriggers(): Promise<void> {
  const pg = databaseBackend().kind === "postgresql";
  for (const t of ["AuditEvent_no_update", "AuditEvent_no_delete", "AuditCheckpoint_no_update", "AuditCheckpoint_no_delete", "AuditAnchor_no_rewind", "AuditAnchor_no_delete", ...(pg ? ["AuditEvent_no_truncate"] : [])]) {
    // PostgreSQL names a trigger per table.
    await db().$executeRawUnsafe(pg ? `DROP TRIGGER IF EXISTS "${t}" ON "${t.split("_")[0]}"` : `DROP TRIGGER IF EXISTS "${t}"`);
  }
}
