/**
 * Issue 2: the certificate list (search, filters, sorting, pagination) at 100k
 * certificates, through lib/certificates/query.ts on a real SQLite file.
 * Rows are inserted in bulk (createMany) — this measures listing, not issuance.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const N = Number(process.env.BENCH_LIST_N ?? 100_000);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function run(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rootline-bench-list-"));
  process.env.ROOTLINE_DATA_DIR = dir;
  process.env.ROOTLINE_MASTER_KEY = Buffer.alloc(32, 7).toString("base64");
  delete process.env.DATABASE_URL;
  execFileSync("npx", ["prisma", "migrate", "deploy"], { stdio: "ignore", env: process.env });
  const { db, closeDb } = await import("../lib/db");
  const { createIssuer } = await import("../lib/issuers/service");
  const { listCertificates } = await import("../lib/certificates/query");
  try {
    const issuer = await createIssuer({ kind: "cli", name: "bench", role: "administrator" }, { name: "list-ca", keyType: "ec-p256" });
    const t0 = Date.now();
    const der = new Uint8Array(600);
    for (let start = 0; start < N; start += 5000) {
      const rows = [];
      for (let i = start; i < Math.min(N, start + 5000); i++) {
        const cn = `device-${i}.fleet.example`;
        rows.push({
          issuerId: issuer.id, serial: BigInt(i + 1), subject: `CN=${cn}, O=Acme`, commonName: cn, sans: `DNS:${cn}, IP:10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
          profile: "server", keyType: "ec-p256", notBefore: new Date(t0 - 86_400_000), notAfter: new Date(t0 + ((i * 7919) % 400) * 86_400_000), der,
          fingerprintSha256: i.toString(16).padStart(64, "0"), spkiSha256: i.toString(16).padStart(64, "0"), status: i % 50 === 0 ? "revoked" : "valid",
        });
      }
      await db().certificate.createMany({ data: rows });
    }
    console.log(`\n## Certificate list at ${N.toLocaleString("en")} certificates (lib/certificates/query.ts, median of 7)`);
    const cases: [string, Parameters<typeof listCertificates>[0]][] = [
      ["first page, newest serial first", {}],
      ["page 1,000 (offset 49,950)", { page: 1000 }],
      ["filter issuer + status=valid, sort notAfter", { issuer: "list-ca", status: "valid", sort: "notAfter", dir: "asc" }],
      ["expiring within 30 days", { expiringWithinDays: 30 }],
      ["search subject substring (\"device-4242\")", { q: "device-4242" }],
      ["search SAN IP (\"10.1.2.3\")", { q: "10.1.2.3" }],
      ["search serial (\"77777\")", { q: "77777" }],
      ["sort by subject, page 50", { sort: "commonName", dir: "asc", page: 50 }],
    ];
    console.log("| query | median ms | rows on page | total matching |\n|---|---:|---:|---:|");
    for (const [label, f] of cases) {
      const times: number[] = [];
      let r: Awaited<ReturnType<typeof listCertificates>> | undefined;
      for (let k = 0; k < 7; k++) {
        const t = performance.now();
        r = await listCertificates(f);
        times.push(performance.now() - t);
      }
      console.log(`| ${label} | ${median(times).toFixed(1)} | ${r!.rows.length} | ${r!.total.toLocaleString("en")} |`);
    }
  } finally {
    await closeDb();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) void run();
