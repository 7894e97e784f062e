-- Revocation history (issue 12, feature 6): who renewed or excluded each holder, and when it was excluded.
ALTER TABLE "RenewalRequest" ADD COLUMN "settledBy" TEXT;
ALTER TABLE "RenewalRequest" ADD COLUMN "excludedAt" DATETIME;

-- A certificate's replacement, looked up for every listed certificate's status word.
CREATE INDEX "Certificate_replacesId_idx" ON "Certificate"("replacesId");
