-- PostgreSQL schema of Rootline, generated with
--   prisma migrate diff --from-empty --to-schema-datamodel prisma/postgres/schema.prisma --script
-- from the schema of SQLite migrations 0001–0014, then the hand-written part at the end
-- (the same guards as SQLite's 0004_audit_anchor, and the change notifications).

-- CreateTable
CREATE TABLE "User" (
    "id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL DEFAULT '',
    "role" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "disabledAt" TIMESTAMP(3),

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Session" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PasswordReset" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),

    CONSTRAINT "PasswordReset_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SignInAttempt" (
    "id" SERIAL NOT NULL,
    "key" TEXT NOT NULL,
    "attemptedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SignInAttempt_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiToken" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),
    "expiresAt" TIMESTAMP(3),

    CONSTRAINT "ApiToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Issuer" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "keyType" TEXT NOT NULL,
    "certificateDer" BYTEA NOT NULL,
    "sealedKey" BYTEA NOT NULL,
    "notBefore" TIMESTAMP(3) NOT NULL,
    "notAfter" TIMESTAMP(3) NOT NULL,
    "certValidityDays" INTEGER NOT NULL,
    "firstSerial" BIGINT NOT NULL,
    "nextSerial" BIGINT NOT NULL,
    "revocationNumber" BIGINT NOT NULL DEFAULT 0,
    "crlNumber" BIGINT NOT NULL DEFAULT 0,
    "crlDer" BYTEA,
    "crlThisUpdate" TIMESTAMP(3),
    "crlNextUpdate" TIMESTAMP(3),
    "crlStale" BOOLEAN NOT NULL DEFAULT true,
    "imported" BOOLEAN NOT NULL DEFAULT false,
    "generation" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lineageId" TEXT,
    "caInfoDer" BYTEA,
    "generationRevokedAt" TIMESTAMP(3),
    "generationRevokedReason" TEXT,
    "parentId" TEXT,
    "publicUrl" TEXT,
    "keyStorage" TEXT NOT NULL DEFAULT 'software',
    "keyRef" TEXT,

    CONSTRAINT "Issuer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Certificate" (
    "id" TEXT NOT NULL,
    "issuerId" TEXT NOT NULL,
    "serial" BIGINT NOT NULL,
    "subject" TEXT NOT NULL,
    "commonName" TEXT NOT NULL DEFAULT '',
    "sans" TEXT NOT NULL DEFAULT '',
    "profile" TEXT NOT NULL,
    "keyType" TEXT NOT NULL,
    "notBefore" TIMESTAMP(3) NOT NULL,
    "notAfter" TIMESTAMP(3) NOT NULL,
    "der" BYTEA NOT NULL,
    "fingerprintSha256" TEXT NOT NULL,
    "spkiSha256" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'valid',
    "revokedAt" TIMESTAMP(3),
    "revocationReason" TEXT,
    "sealedKey" BYTEA,
    "replacesId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Certificate_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Revocation" (
    "id" TEXT NOT NULL,
    "issuerId" TEXT NOT NULL,
    "serial" BIGINT NOT NULL,
    "reason" TEXT NOT NULL,
    "order" TEXT NOT NULL,
    "successorId" TEXT,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "deadline" TIMESTAMP(3),
    "forced" BOOLEAN NOT NULL DEFAULT false,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" TIMESTAMP(3),

    CONSTRAINT "Revocation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RenewalRequest" (
    "id" TEXT NOT NULL,
    "revocationId" TEXT NOT NULL,
    "certificateId" TEXT NOT NULL,
    "serial" BIGINT NOT NULL,
    "tokenHash" TEXT,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "replacementId" TEXT,
    "renewedAt" TIMESTAMP(3),
    "renewedVia" TEXT,
    "settledBy" TEXT,
    "excludedAt" TIMESTAMP(3),

    CONSTRAINT "RenewalRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RevocationNumberChange" (
    "id" SERIAL NOT NULL,
    "issuerId" TEXT NOT NULL,
    "from" BIGINT NOT NULL,
    "to" BIGINT NOT NULL,
    "cause" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RevocationNumberChange_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Topology" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "document" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Topology_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "seq" SERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "targetType" TEXT NOT NULL,
    "targetId" TEXT NOT NULL,
    "before" TEXT,
    "after" TEXT,
    "prevHash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "AuditAnchor" (
    "id" INTEGER NOT NULL,
    "seq" INTEGER NOT NULL,
    "hash" TEXT NOT NULL,
    "keyId" TEXT NOT NULL,
    "mac" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AuditAnchor_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditCheckpoint" (
    "seq" INTEGER NOT NULL,
    "hash" TEXT NOT NULL,
    "keyId" TEXT NOT NULL,
    "mac" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AuditCheckpoint_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "TopologyBinding" (
    "topologyId" TEXT NOT NULL,
    "group" TEXT NOT NULL,
    "issuerId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TopologyBinding_pkey" PRIMARY KEY ("topologyId","group")
);

-- CreateTable
CREATE TABLE "TopologyNode" (
    "topologyId" TEXT NOT NULL,
    "nodeId" TEXT NOT NULL,
    "spki" BYTEA NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TopologyNode_pkey" PRIMARY KEY ("topologyId","nodeId")
);

-- CreateTable
CREATE TABLE "TopologyNodeCertificate" (
    "topologyId" TEXT NOT NULL,
    "nodeId" TEXT NOT NULL,
    "group" TEXT NOT NULL,
    "certificateId" TEXT NOT NULL,

    CONSTRAINT "TopologyNodeCertificate_pkey" PRIMARY KEY ("topologyId","nodeId","group")
);

-- CreateTable
CREATE TABLE "NodeReport" (
    "topologyId" TEXT NOT NULL,
    "nodeId" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "status" TEXT NOT NULL,

    CONSTRAINT "NodeReport_pkey" PRIMARY KEY ("topologyId","nodeId")
);

-- CreateTable
CREATE TABLE "RotationRun" (
    "id" TEXT NOT NULL,
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
    "newKeySealed" BYTEA NOT NULL,
    "newRootDer" BYTEA NOT NULL,
    "distributionDer" BYTEA NOT NULL,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "failedAt" TIMESTAMP(3),
    "failure" TEXT,

    CONSTRAINT "RotationRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
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
    "sentAt" TIMESTAMP(3),
    "pickedUpAt" TIMESTAMP(3),
    "deliveredAt" TIMESTAMP(3),
    "completedAt" TIMESTAMP(3),

    CONSTRAINT "RotationTask_pkey" PRIMARY KEY ("runId","taskId")
);

-- CreateTable
CREATE TABLE "RetiredRoot" (
    "id" TEXT NOT NULL,
    "issuerId" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "keyType" TEXT NOT NULL,
    "certificateDer" BYTEA NOT NULL,
    "sealedKey" BYTEA NOT NULL,
    "retiredAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "runId" TEXT,

    CONSTRAINT "RetiredRoot_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Lineage" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "distributionKeyType" TEXT NOT NULL,
    "distributionSpki" BYTEA NOT NULL,
    "sealedDistributionKey" BYTEA NOT NULL,
    "keyType" TEXT NOT NULL,
    "caValidityDays" INTEGER NOT NULL,
    "leadDays" INTEGER NOT NULL,
    "downloadUrlTemplate" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "downloadServerUrl" TEXT,
    "downloadServerSeenAt" TIMESTAMP(3),

    CONSTRAINT "Lineage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CertificateProfile" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "keyUsage" TEXT NOT NULL,
    "extKeyUsage" TEXT NOT NULL,
    "maxValidityDays" INTEGER NOT NULL,
    "requiresSan" BOOLEAN NOT NULL DEFAULT false,
    "allowsSan" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CertificateProfile_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Proxy" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "issuer" TEXT,
    "routes" TEXT NOT NULL DEFAULT '[]',
    "policy" TEXT,
    "policyVersion" INTEGER NOT NULL DEFAULT 0,
    "lastReportAt" TIMESTAMP(3),
    "lastStatus" TEXT,
    "lastMetrics" TEXT,
    "lastReportCertId" TEXT,
    "reportBoot" TEXT,
    "seqBase" INTEGER NOT NULL DEFAULT 0,
    "ackSeq" INTEGER NOT NULL DEFAULT 0,
    "lastRejectAt" TIMESTAMP(3),
    "lastRejectReason" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Proxy_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ProxyDecision" (
    "id" SERIAL NOT NULL,
    "proxyId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "client" TEXT NOT NULL,
    "route" TEXT NOT NULL,
    "upstream" TEXT NOT NULL,
    "serial" TEXT,
    "decision" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "subject" TEXT,

    CONSTRAINT "ProxyDecision_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AcmePolicy" (
    "issuerId" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "allowDns" TEXT NOT NULL DEFAULT '',
    "allowIp" TEXT NOT NULL DEFAULT '',
    "profile" TEXT,
    "requireEab" BOOLEAN NOT NULL DEFAULT false,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AcmePolicy_pkey" PRIMARY KEY ("issuerId")
);

-- CreateTable
CREATE TABLE "AcmeEabKey" (
    "id" TEXT NOT NULL,
    "issuerId" TEXT NOT NULL,
    "label" TEXT NOT NULL DEFAULT '',
    "sealedKey" BYTEA NOT NULL,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "usedAt" TIMESTAMP(3),
    "accountId" TEXT,
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "AcmeEabKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AcmeAccount" (
    "id" TEXT NOT NULL,
    "issuerId" TEXT NOT NULL,
    "jwkThumbprint" TEXT NOT NULL,
    "jwk" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'valid',
    "contact" TEXT NOT NULL DEFAULT '[]',
    "eabKeyId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AcmeAccount_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AcmeOrder" (
    "id" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "identifiers" TEXT NOT NULL,
    "notBefore" TIMESTAMP(3),
    "notAfter" TIMESTAMP(3),
    "expires" TIMESTAMP(3) NOT NULL,
    "error" TEXT,
    "certificateId" TEXT,
    "replaces" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AcmeOrder_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AcmeAuthorization" (
    "id" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "identifierType" TEXT NOT NULL,
    "identifierValue" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "expires" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AcmeAuthorization_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AcmeChallenge" (
    "id" TEXT NOT NULL,
    "authorizationId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "processingSince" TIMESTAMP(3),
    "validated" TIMESTAMP(3),
    "error" TEXT,

    CONSTRAINT "AcmeChallenge_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AcmeNonce" (
    "value" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AcmeNonce_pkey" PRIMARY KEY ("value")
);

-- CreateTable
CREATE TABLE "EstSecret" (
    "id" TEXT NOT NULL,
    "issuerId" TEXT NOT NULL,
    "secretHash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revokedAt" TIMESTAMP(3),
    "lastUsedAt" TIMESTAMP(3),

    CONSTRAINT "EstSecret_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- CreateIndex
CREATE INDEX "Session_userId_idx" ON "Session"("userId");

-- CreateIndex
CREATE INDEX "PasswordReset_userId_idx" ON "PasswordReset"("userId");

-- CreateIndex
CREATE INDEX "SignInAttempt_key_attemptedAt_idx" ON "SignInAttempt"("key", "attemptedAt");

-- CreateIndex
CREATE INDEX "SignInAttempt_attemptedAt_idx" ON "SignInAttempt"("attemptedAt");

-- CreateIndex
CREATE UNIQUE INDEX "ApiToken_tokenHash_key" ON "ApiToken"("tokenHash");

-- CreateIndex
CREATE UNIQUE INDEX "Issuer_name_key" ON "Issuer"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Issuer_lineageId_generation_key" ON "Issuer"("lineageId", "generation");

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
CREATE INDEX "Certificate_replacesId_idx" ON "Certificate"("replacesId");

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

-- CreateIndex
CREATE INDEX "TopologyBinding_issuerId_idx" ON "TopologyBinding"("issuerId");

-- CreateIndex
CREATE UNIQUE INDEX "RotationRun_activeIssuerId_key" ON "RotationRun"("activeIssuerId");

-- CreateIndex
CREATE INDEX "RotationRun_topologyId_group_idx" ON "RotationRun"("topologyId", "group");

-- CreateIndex
CREATE INDEX "RotationRun_state_idx" ON "RotationRun"("state");

-- CreateIndex
CREATE INDEX "RotationTask_firstHop_state_idx" ON "RotationTask"("firstHop", "state");

-- CreateIndex
CREATE INDEX "RotationTask_runId_state_idx" ON "RotationTask"("runId", "state");

-- CreateIndex
CREATE INDEX "RetiredRoot_issuerId_idx" ON "RetiredRoot"("issuerId");

-- CreateIndex
CREATE UNIQUE INDEX "Lineage_name_key" ON "Lineage"("name");

-- CreateIndex
CREATE UNIQUE INDEX "CertificateProfile_name_key" ON "CertificateProfile"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Proxy_name_key" ON "Proxy"("name");

-- CreateIndex
CREATE UNIQUE INDEX "ProxyDecision_proxyId_seq_key" ON "ProxyDecision"("proxyId", "seq");

-- CreateIndex
CREATE UNIQUE INDEX "AcmeEabKey_accountId_key" ON "AcmeEabKey"("accountId");

-- CreateIndex
CREATE INDEX "AcmeEabKey_issuerId_idx" ON "AcmeEabKey"("issuerId");

-- CreateIndex
CREATE UNIQUE INDEX "AcmeAccount_issuerId_jwkThumbprint_key" ON "AcmeAccount"("issuerId", "jwkThumbprint");

-- CreateIndex
CREATE INDEX "AcmeOrder_accountId_status_idx" ON "AcmeOrder"("accountId", "status");

-- CreateIndex
CREATE INDEX "AcmeAuthorization_orderId_idx" ON "AcmeAuthorization"("orderId");

-- CreateIndex
CREATE INDEX "AcmeChallenge_authorizationId_idx" ON "AcmeChallenge"("authorizationId");

-- CreateIndex
CREATE INDEX "AcmeNonce_expiresAt_idx" ON "AcmeNonce"("expiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "EstSecret_secretHash_key" ON "EstSecret"("secretHash");

-- CreateIndex
CREATE INDEX "EstSecret_issuerId_idx" ON "EstSecret"("issuerId");

-- AddForeignKey
ALTER TABLE "Session" ADD CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PasswordReset" ADD CONSTRAINT "PasswordReset_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApiToken" ADD CONSTRAINT "ApiToken_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Issuer" ADD CONSTRAINT "Issuer_lineageId_fkey" FOREIGN KEY ("lineageId") REFERENCES "Lineage"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Issuer" ADD CONSTRAINT "Issuer_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "Issuer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Certificate" ADD CONSTRAINT "Certificate_issuerId_fkey" FOREIGN KEY ("issuerId") REFERENCES "Issuer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Revocation" ADD CONSTRAINT "Revocation_issuerId_fkey" FOREIGN KEY ("issuerId") REFERENCES "Issuer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Revocation" ADD CONSTRAINT "Revocation_successorId_fkey" FOREIGN KEY ("successorId") REFERENCES "Issuer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RenewalRequest" ADD CONSTRAINT "RenewalRequest_revocationId_fkey" FOREIGN KEY ("revocationId") REFERENCES "Revocation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RevocationNumberChange" ADD CONSTRAINT "RevocationNumberChange_issuerId_fkey" FOREIGN KEY ("issuerId") REFERENCES "Issuer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RotationTask" ADD CONSTRAINT "RotationTask_runId_fkey" FOREIGN KEY ("runId") REFERENCES "RotationRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ProxyDecision" ADD CONSTRAINT "ProxyDecision_proxyId_fkey" FOREIGN KEY ("proxyId") REFERENCES "Proxy"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AcmePolicy" ADD CONSTRAINT "AcmePolicy_issuerId_fkey" FOREIGN KEY ("issuerId") REFERENCES "Issuer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AcmeEabKey" ADD CONSTRAINT "AcmeEabKey_issuerId_fkey" FOREIGN KEY ("issuerId") REFERENCES "Issuer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AcmeAccount" ADD CONSTRAINT "AcmeAccount_issuerId_fkey" FOREIGN KEY ("issuerId") REFERENCES "Issuer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AcmeOrder" ADD CONSTRAINT "AcmeOrder_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "AcmeAccount"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AcmeAuthorization" ADD CONSTRAINT "AcmeAuthorization_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "AcmeOrder"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AcmeChallenge" ADD CONSTRAINT "AcmeChallenge_authorizationId_fkey" FOREIGN KEY ("authorizationId") REFERENCES "AcmeAuthorization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EstSecret" ADD CONSTRAINT "EstSecret_issuerId_fkey" FOREIGN KEY ("issuerId") REFERENCES "Issuer"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- ---------------------------------------------------------------------------
-- Hand-written (not from the datamodel).

-- The audit log is append-only (SQLite: 0004_audit_anchor). Someone with the database's
-- owner role can drop these; the MACed anchor and checkpoints catch what they do then.
CREATE FUNCTION "rootline_refuse"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%', TG_ARGV[0];
END $$;

CREATE TRIGGER "AuditEvent_no_update" BEFORE UPDATE ON "AuditEvent"
  FOR EACH ROW EXECUTE FUNCTION "rootline_refuse"('the audit log is append-only');
CREATE TRIGGER "AuditEvent_no_delete" BEFORE DELETE ON "AuditEvent"
  FOR EACH ROW EXECUTE FUNCTION "rootline_refuse"('the audit log is append-only');
CREATE TRIGGER "AuditEvent_no_truncate" BEFORE TRUNCATE ON "AuditEvent"
  FOR EACH STATEMENT EXECUTE FUNCTION "rootline_refuse"('the audit log is append-only');
CREATE TRIGGER "AuditCheckpoint_no_update" BEFORE UPDATE OF "seq", "hash" ON "AuditCheckpoint"
  FOR EACH ROW EXECUTE FUNCTION "rootline_refuse"('audit checkpoints are append-only');
CREATE TRIGGER "AuditCheckpoint_no_delete" BEFORE DELETE ON "AuditCheckpoint"
  FOR EACH ROW EXECUTE FUNCTION "rootline_refuse"('audit checkpoints are append-only');
CREATE TRIGGER "AuditAnchor_no_rewind" BEFORE UPDATE ON "AuditAnchor"
  FOR EACH ROW WHEN (NEW."seq" < OLD."seq") EXECUTE FUNCTION "rootline_refuse"('the audit anchor only moves forward');
CREATE TRIGGER "AuditAnchor_no_delete" BEFORE DELETE ON "AuditAnchor"
  FOR EACH ROW EXECUTE FUNCTION "rootline_refuse"('the audit anchor is never removed');

-- Change notifications: the PostgreSQL counterpart of SQLite's data_version change token
-- (lib/database/postgres.ts). Every instance LISTENs on "rootline_change"; a commit that
-- changed an issuer (RN, CRL, key, counters) or a certificate's status notifies them all,
-- and they drop their repository and OCSP caches. NOTIFY is delivered at commit only, once
-- per transaction and payload.
CREATE FUNCTION "rootline_notify_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('rootline_change', TG_TABLE_NAME);
  RETURN NULL;
END $$;

CREATE TRIGGER "Issuer_notify_change" AFTER INSERT OR UPDATE OR DELETE ON "Issuer"
  FOR EACH STATEMENT EXECUTE FUNCTION "rootline_notify_change"();
CREATE TRIGGER "Certificate_notify_change" AFTER UPDATE OR DELETE ON "Certificate"
  FOR EACH STATEMENT EXECUTE FUNCTION "rootline_notify_change"();
