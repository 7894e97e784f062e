-- Rotation runs (SPEC 4.1, 4.4, 4.5): bindings, provisioned nodes, runs, tasks, retired roots.
CREATE TABLE "TopologyBinding" (
    "topologyId" TEXT NOT NULL,
    "group" TEXT NOT NULL,
    "issuerId" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY ("topologyId", "group")
);
CREATE INDEX "TopologyBinding_issuerId_idx" ON "TopologyBinding"("issuerId");

CREATE TABLE "TopologyNode" (
    "topologyId" TEXT NOT NULL,
    "nodeId" TEXT NOT NULL,
    "spki" BLOB NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY ("topologyId", "nodeId")
);

CREATE TABLE "TopologyNodeCertificate" (
    "topologyId" TEXT NOT NULL,
    "nodeId" TEXT NOT NULL,
    "group" TEXT NOT NULL,
    "certificateId" TEXT NOT NULL,
    PRIMARY KEY ("topologyId", "nodeId", "group")
);

CREATE TABLE "NodeReport" (
    "topologyId" TEXT NOT NULL,
    "nodeId" TEXT NOT NULL,
    "at" DATETIME NOT NULL,
    "status" TEXT NOT NULL,
    PRIMARY KEY ("topologyId", "nodeId")
);

CREATE TABLE "RotationRun" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "topologyId" TEXT NOT NULL,
    "group" TEXT NOT NULL,
    "issuerId" TEXT NOT NULL,
    "activeIssuerId" TEXT,
    "mode" TEXT NOT NULL,
    "schedule" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "maxFailures" INTEGER NOT NULL,
    "taskTimeoutS" INTEGER NOT NULL,
    "plan" TEXT NOT NULL,
    "unsafeOrder" TEXT,
    "oldSubject" TEXT NOT NULL,
    "newSubject" TEXT NOT NULL,
    "newKeySealed" BLOB NOT NULL,
    "newRootDer" BLOB NOT NULL,
    "distributionDer" BLOB NOT NULL,
    "createdBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME,
    "failedAt" DATETIME,
    "failure" TEXT
);
CREATE UNIQUE INDEX "RotationRun_activeIssuerId_key" ON "RotationRun"("activeIssuerId");
CREATE INDEX "RotationRun_topologyId_group_idx" ON "RotationRun"("topologyId", "group");
CREATE INDEX "RotationRun_state_idx" ON "RotationRun"("state");

CREATE TABLE "RotationTask" (
    "runId" TEXT NOT NULL,
    "taskId" TEXT NOT NULL,
    "node" TEXT,
    "kind" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "firstHop" TEXT,
    "route" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'waiting',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "consecutiveFailures" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "request" TEXT,
    "newCertificateId" TEXT,
    "sentAt" DATETIME,
    "pickedUpAt" DATETIME,
    "deliveredAt" DATETIME,
    "completedAt" DATETIME,
    PRIMARY KEY ("runId", "taskId"),
    CONSTRAINT "RotationTask_runId_fkey" FOREIGN KEY ("runId") REFERENCES "RotationRun" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "RotationTask_firstHop_state_idx" ON "RotationTask"("firstHop", "state");
CREATE INDEX "RotationTask_runId_state_idx" ON "RotationTask"("runId", "state");

CREATE TABLE "RetiredRoot" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "issuerId" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "keyType" TEXT NOT NULL,
    "certificateDer" BLOB NOT NULL,
    "sealedKey" BLOB NOT NULL,
    "retiredAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "runId" TEXT
);
CREATE INDEX "RetiredRoot_issuerId_idx" ON "RetiredRoot"("issuerId");
