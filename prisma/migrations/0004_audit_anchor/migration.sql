-- CreateTable
CREATE TABLE "AuditAnchor" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "seq" INTEGER NOT NULL,
    "hash" TEXT NOT NULL,
    "keyId" TEXT NOT NULL,
    "mac" TEXT NOT NULL,
    "at" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "AuditCheckpoint" (
    "seq" INTEGER NOT NULL PRIMARY KEY,
    "hash" TEXT NOT NULL,
    "keyId" TEXT NOT NULL,
    "mac" TEXT NOT NULL,
    "at" DATETIME NOT NULL
);

-- The audit log is append-only. These triggers stop mistakes and casual edits; someone
-- with write access to the file can drop them, and then the MACed anchor and
-- checkpoints (lib/audit/anchor.ts) are what `rootline audit verify` catches them with.
CREATE TRIGGER "AuditEvent_no_update" BEFORE UPDATE ON "AuditEvent"
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

CREATE TRIGGER "AuditEvent_no_delete" BEFORE DELETE ON "AuditEvent"
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

-- A checkpoint keeps its seq and hash forever; master-key rotation re-MACs it.
CREATE TRIGGER "AuditCheckpoint_no_update" BEFORE UPDATE OF "seq", "hash" ON "AuditCheckpoint"
BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;

CREATE TRIGGER "AuditCheckpoint_no_delete" BEFORE DELETE ON "AuditCheckpoint"
BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;

-- The anchor only moves forward and is never removed.
CREATE TRIGGER "AuditAnchor_no_rewind" BEFORE UPDATE ON "AuditAnchor" WHEN NEW."seq" < OLD."seq"
BEGIN SELECT RAISE(ABORT, 'the audit anchor only moves forward'); END;

CREATE TRIGGER "AuditAnchor_no_delete" BEFORE DELETE ON "AuditAnchor"
BEGIN SELECT RAISE(ABORT, 'the audit anchor is never removed'); END;
