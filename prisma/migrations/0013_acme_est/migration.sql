-- ACME (RFC 8555) accounts, orders, authorizations, challenges, nonces, per-issuer policy and EAB keys; EST (RFC 7030) enrolment secrets (issue 13).
-- CreateTable
CREATE TABLE "AcmePolicy" (
    "issuerId" TEXT NOT NULL PRIMARY KEY,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "allowDns" TEXT NOT NULL DEFAULT '',
    "allowIp" TEXT NOT NULL DEFAULT '',
    "profile" TEXT,
    "requireEab" BOOLEAN NOT NULL DEFAULT false,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "AcmePolicy_issuerId_fkey" FOREIGN KEY ("issuerId") REFERENCES "Issuer" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AcmeEabKey" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "issuerId" TEXT NOT NULL,
    "label" TEXT NOT NULL DEFAULT '',
    "sealedKey" BLOB NOT NULL,
    "createdBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "usedAt" DATETIME,
    "accountId" TEXT,
    "revokedAt" DATETIME,
    CONSTRAINT "AcmeEabKey_issuerId_fkey" FOREIGN KEY ("issuerId") REFERENCES "Issuer" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AcmeAccount" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "issuerId" TEXT NOT NULL,
    "jwkThumbprint" TEXT NOT NULL,
    "jwk" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'valid',
    "contact" TEXT NOT NULL DEFAULT '[]',
    "eabKeyId" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "AcmeAccount_issuerId_fkey" FOREIGN KEY ("issuerId") REFERENCES "Issuer" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AcmeOrder" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "accountId" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "identifiers" TEXT NOT NULL,
    "notBefore" DATETIME,
    "notAfter" DATETIME,
    "expires" DATETIME NOT NULL,
    "error" TEXT,
    "certificateId" TEXT,
    "replaces" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "AcmeOrder_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "AcmeAccount" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AcmeAuthorization" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "orderId" TEXT NOT NULL,
    "identifierType" TEXT NOT NULL,
    "identifierValue" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "expires" DATETIME NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "AcmeAuthorization_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "AcmeOrder" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AcmeChallenge" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "authorizationId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "validated" DATETIME,
    "error" TEXT,
    CONSTRAINT "AcmeChallenge_authorizationId_fkey" FOREIGN KEY ("authorizationId") REFERENCES "AcmeAuthorization" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AcmeNonce" (
    "value" TEXT NOT NULL PRIMARY KEY,
    "expiresAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "EstSecret" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "issuerId" TEXT NOT NULL,
    "secretHash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "createdBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revokedAt" DATETIME,
    "lastUsedAt" DATETIME,
    CONSTRAINT "EstSecret_issuerId_fkey" FOREIGN KEY ("issuerId") REFERENCES "Issuer" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

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

