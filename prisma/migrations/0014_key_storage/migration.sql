-- Issuer keys in a PKCS#11 token (issue 14): where the key lives (sealedKey stays empty for a token key).
ALTER TABLE "Issuer" ADD COLUMN "keyStorage" TEXT NOT NULL DEFAULT 'software';
ALTER TABLE "Issuer" ADD COLUMN "keyRef" TEXT;

-- ACME: when a challenge's validation started, so one orphaned by a dead process is retried.
ALTER TABLE "AcmeChallenge" ADD COLUMN "processingSince" DATETIME;
