import { db } from "../db";

/** What an attacker with write access to the database file can do first: drop the triggers. */
export async function dropAuditTriggers(): Promise<void> {
  for (const t of ["AuditEvent_no_update", "AuditEvent_no_delete", "AuditCheckpoint_no_update", "AuditCheckpoint_no_delete", "AuditAnchor_no_rewind", "AuditAnchor_no_delete"]) {
    await db().$executeRawUnsafe(`DROP TRIGGER IF EXISTS "${t}"`);
  }
}
