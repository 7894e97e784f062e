-- CA proxies (SPEC 5): registered proxies and the decisions they report.
CREATE TABLE "Proxy" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "issuer" TEXT,
    "routes" TEXT NOT NULL DEFAULT '[]',
    "policy" TEXT,
    "policyVersion" INTEGER NOT NULL DEFAULT 0,
    "lastReportAt" DATETIME,
    "lastStatus" TEXT,
    "lastMetrics" TEXT,
    "lastReportCertId" TEXT,
    "reportBoot" TEXT,
    "seqBase" INTEGER NOT NULL DEFAULT 0,
    "ackSeq" INTEGER NOT NULL DEFAULT 0,
    "lastRejectAt" DATETIME,
    "lastRejectReason" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);
CREATE UNIQUE INDEX "Proxy_name_key" ON "Proxy"("name");

CREATE TABLE "ProxyDecision" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "proxyId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "at" DATETIME NOT NULL,
    "client" TEXT NOT NULL,
    "route" TEXT NOT NULL,
    "upstream" TEXT NOT NULL,
    "serial" TEXT,
    "decision" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "subject" TEXT,
    CONSTRAINT "ProxyDecision_proxyId_fkey" FOREIGN KEY ("proxyId") REFERENCES "Proxy" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "ProxyDecision_proxyId_seq_key" ON "ProxyDecision"("proxyId", "seq");
