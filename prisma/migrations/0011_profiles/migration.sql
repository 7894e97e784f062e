-- Custom certificate profiles (lib/profiles): key usage, EKUs, maximum validity, SAN rules.
CREATE TABLE "CertificateProfile" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "keyUsage" TEXT NOT NULL,
    "extKeyUsage" TEXT NOT NULL,
    "maxValidityDays" INTEGER NOT NULL,
    "requiresSan" BOOLEAN NOT NULL DEFAULT false,
    "allowsSan" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE UNIQUE INDEX "CertificateProfile_name_key" ON "CertificateProfile"("name");
