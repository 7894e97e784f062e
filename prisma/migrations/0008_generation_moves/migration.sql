-- Application servers move to CA generation n+1 (SPEC 3): a Revocation of order
-- "generation" whose renewals are issued by its successor issuer (lib/revocation/move.ts).
ALTER TABLE "Revocation" ADD COLUMN "successorId" TEXT REFERENCES "Issuer" ("id") ON DELETE RESTRICT ON UPDATE CASCADE;
