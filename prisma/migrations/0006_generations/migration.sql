-- CA generations (SPEC 3): lineages with a distribution key; issuers as their generations.
CREATE TABLE "Lineage" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "distributionKeyType" TEXT NOT NULL,
    "distributionSpki" BLOB NOT NULL,
    "sealedDistributionKey" BLOB NOT NULL,
    "keyType" TEXT NOT NULL,
    "caValidityDays" INTEGER NOT NULL,
    "leadDays" INTEGER NOT NULL,
    "downloadUrlTemplate" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "downloadServerUrl" TEXT,
    "downloadServerSeenAt" DATETIME
);
CREATE UNIQUE INDEX "Lineage_name_key" ON "Lineage"("name");

ALTER TABLE "Issuer" ADD COLUMN "lineageId" TEXT REFERENCES "Lineage" ("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "Issuer" ADD COLUMN "caInfoDer" BLOB;
ALTER TABLE "Issuer" ADD COLUMN "generationRevokedAt" DATETIME;
ALTER TABLE "Issuer" ADD COLUMN "generationRevokedReason" TEXT;
CREATE UNIQUE INDEX "Issuer_lineageId_generation_key" ON "Issuer"("lineageId", "generation");
