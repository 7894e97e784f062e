-- CreateTable
CREATE TABLE "User" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL DEFAULT '',
    "role" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "disabledAt" DATETIME
);

-- CreateTable
CREATE TABLE "Session" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "userId" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" DATETIME NOT NULL,
    "lastSeenAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "SignInAttempt" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "key" TEXT NOT NULL,
    "attemptedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "ApiToken" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" DATETIME,
    "revokedAt" DATETIME,
    CONSTRAINT "ApiToken_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Issuer" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "keyType" TEXT NOT NULL,
    "certificateDer" BLOB NOT NULL,
    "sealedKey" BLOB NOT NULL,
    "notBefore" DATETIME NOT NULL,
    "notAfter" DATETIME NOT NULL,
    "certValidityDays" INTEGER NOT NULL,
    "firstSerial" BIGINT NOT NULL,
    "nextSerial" BIGINT NOT NULL,
    "revocationNumber" BIGINT NOT NULL DEFAULT 0,
    "crlNumber" BIGINT NOT NULL DEFAULT 0,
    "crlDer" BLOB,
    "crlThisUpdate" DATETIME,
    "crlNextUpdate" DATETIME,
    "crlStale" BOOLEAN NOT NULL DEFAULT true,
    "imported" BOOLEAN NOT NULL DEFAULT false,
    "generation" INTEGER NOT NULL DEFAULT 1,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "Certificate" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "issuerId" TEXT NOT NULL,
    "serial" BIGINT NOT NULL,
    "subject" TEXT NOT NULL,
    "commonName" TEXT NOT NULL DEFAULT '',
    "sans" TEXT NOT NULL DEFAULT '',
    "profile" TEXT NOT NULL,
    "keyType" TEXT NOT NULL,
    "notBefore" DATETIME NOT NULL,
    "notAfter" DATETIME NOT NULL,
    "der" BLOB NOT NULL,
    "fingerprintSha256" TEXT NOT NULL,
    "spkiSha256" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'valid',
    "revokedAt" DATETIME,
    "revocationReason" TEXT,
    "sealedKey" BLOB,
    "replacesId" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Certificate_issuerId_fkey" FOREIGN KEY ("issuerId") REFERENCES "Issuer" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Revocation" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "issuerId" TEXT NOT NULL,
    "serial" BIGINT NOT NULL,
    "reason" TEXT NOT NULL,
    "order" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "deadline" DATETIME,
    "forced" BOOLEAN NOT NULL DEFAULT false,
    "createdBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" DATETIME,
    CONSTRAINT "Revocation_issuerId_fkey" FOREIGN KEY ("issuerId") REFERENCES "Issuer" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "RenewalRequest" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "revocationId" TEXT NOT NULL,
    "certificateId" TEXT NOT NULL,
    "serial" BIGINT NOT NULL,
    "tokenHash" TEXT,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "replacementId" TEXT,
    "renewedAt" DATETIME,
    CONSTRAINT "RenewalRequest_revocationId_fkey" FOREIGN KEY ("revocationId") REFERENCES "Revocation" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "RevocationNumberChange" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "issuerId" TEXT NOT NULL,
    "from" BIGINT NOT NULL,
    "to" BIGINT NOT NULL,
    "cause" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "RevocationNumberChange_issuerId_fkey" FOREIGN KEY ("issuerId") REFERENCES "Issuer" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Topology" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "document" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "seq" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "at" DATETIME NOT NULL,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "targetType" TEXT NOT NULL,
    "targetId" TEXT NOT NULL,
    "before" TEXT,
    "after" TEXT,
    "prevHash" TEXT NOT NULL,
    "hash" TEXT NOT NULL
);

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- CreateIndex
CREATE INDEX "Session_userId_idx" ON "Session"("userId");

-- CreateIndex
CREATE INDEX "SignInAttempt_key_attemptedAt_idx" ON "SignInAttempt"("key", "attemptedAt");

-- CreateIndex
CREATE UNIQUE INDEX "ApiToken_tokenHash_key" ON "ApiToken"("tokenHash");

-- CreateIndex
CREATE UNIQUE INDEX "Issuer_name_key" ON "Issuer"("name");

-- CreateIndex
CREATE INDEX "Certificate_issuerId_status_serial_idx" ON "Certificate"("issuerId", "status", "serial");

-- CreateIndex
CREATE INDEX "Certificate_serial_id_idx" ON "Certificate"("serial", "id");

-- CreateIndex
CREATE INDEX "Certificate_notAfter_id_idx" ON "Certificate"("notAfter", "id");

-- CreateIndex
CREATE INDEX "Certificate_commonName_id_idx" ON "Certificate"("commonName", "id");

-- CreateIndex
CREATE INDEX "Certificate_createdAt_id_idx" ON "Certificate"("createdAt", "id");

-- CreateIndex
CREATE INDEX "Certificate_status_notAfter_idx" ON "Certificate"("status", "notAfter");

-- CreateIndex
CREATE INDEX "Certificate_issuerId_status_notAfter_idx" ON "Certificate"("issuerId", "status", "notAfter");

-- CreateIndex
CREATE UNIQUE INDEX "Certificate_issuerId_serial_key" ON "Certificate"("issuerId", "serial");

-- CreateIndex
CREATE INDEX "Revocation_issuerId_status_idx" ON "Revocation"("issuerId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "RenewalRequest_tokenHash_key" ON "RenewalRequest"("tokenHash");

-- CreateIndex
CREATE INDEX "RenewalRequest_revocationId_status_idx" ON "RenewalRequest"("revocationId", "status");

-- CreateIndex
CREATE INDEX "RenewalRequest_certificateId_idx" ON "RenewalRequest"("certificateId");

-- CreateIndex
CREATE INDEX "RevocationNumberChange_issuerId_at_idx" ON "RevocationNumberChange"("issuerId", "at");

-- CreateIndex
CREATE UNIQUE INDEX "Topology_name_key" ON "Topology"("name");

-- CreateIndex
CREATE UNIQUE INDEX "AuditEvent_prevHash_key" ON "AuditEvent"("prevHash");

-- CreateIndex
CREATE UNIQUE INDEX "AuditEvent_hash_key" ON "AuditEvent"("hash");

-- CreateIndex
CREATE INDEX "AuditEvent_action_idx" ON "AuditEvent"("action");

-- CreateIndex
CREATE INDEX "AuditEvent_targetType_targetId_idx" ON "AuditEvent"("targetType", "targetId");

