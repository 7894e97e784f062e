-- One signed revocation information per (issuer, RN), shared by every process and the static export (issue 14).
ALTER TABLE "Issuer" ADD COLUMN "revocationInfoDer" BYTEA;
ALTER TABLE "Issuer" ADD COLUMN "revocationInfoRn" BIGINT;
