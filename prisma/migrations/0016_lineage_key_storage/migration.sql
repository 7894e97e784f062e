-- A lineage's distribution key and its generations' CA keys may live in a PKCS#11 token (issue 14).
ALTER TABLE "Lineage" ADD COLUMN "keyStorage" TEXT NOT NULL DEFAULT 'software';
ALTER TABLE "Lineage" ADD COLUMN "distributionKeyRef" TEXT;
