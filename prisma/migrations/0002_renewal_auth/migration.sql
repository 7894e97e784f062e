-- How each renewal was authenticated (token | proof-of-possession | operator | generated-key).
ALTER TABLE "RenewalRequest" ADD COLUMN "renewedVia" TEXT;

-- Requests of revocations that already completed close: their tokens stop working.
UPDATE "RenewalRequest" SET "status" = 'closed', "tokenHash" = NULL
WHERE "status" = 'pending' AND "revocationId" IN (SELECT "id" FROM "Revocation" WHERE "status" = 'completed');
