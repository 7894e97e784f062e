-- Intermediate CAs: an issuer signed by another issuer; per-issuer public base URL for CDP/AIA.
ALTER TABLE "Issuer" ADD COLUMN "parentId" TEXT REFERENCES "Issuer" ("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "Issuer" ADD COLUMN "publicUrl" TEXT;
