/**
 * Fills the current data dir (see lib.ts switchDataDir) with revoked certificates, fast:
 * createMany in chunks, realistic serials (every other serial of the issuer's range, as if
 * half the fleet were revoked), revocation dates over the last 90 days, a mix of reasons,
 * validity windows still open (so every row belongs on the CRL).
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { ADMIN, migratedDataDir, tempDir, tsxChild } from "./lib";

/** The issuer every populated data dir has. */
export const FLEET_ISSUER = "fleet-ca";

const DAY = 86_400_000;
const REASONS = ["keyCompromise", "superseded", "cessationOfOperation", "affiliationChanged", "unspecified"] as const;

export async function createBenchIssuer(name: string): Promise<{ id: string; firstSerial: bigint; sampleDer: Uint8Array }> {
  const { createIssuer } = await import("../lib/issuers/service");
  const { issueCertificate, requestWithGeneratedKey } = await import("../lib/certificates");
  const issuer = await createIssuer(ADMIN, { name, keyType: "ec-p256" });
  // One real certificate whose DER every synthetic row carries (realistic row size).
  const sample = await issueCertificate(ADMIN, name, await requestWithGeneratedKey({ subject: "CN=sample.fleet.example", keyType: "ec-p256" }));
  return { id: issuer.id, firstSerial: sample.serial + 1n, sampleDer: sample.der };
}

/**
 * Adds revoked certificates number `from` … `to - 1` (still valid ones with `valid`);
 * returns the insert time in ms.
 */
export async function addRevoked(issuer: { id: string; firstSerial: bigint; sampleDer: Uint8Array }, from: number, to: number, chunk = 1000, valid = false): Promise<number> {
  const { db } = await import("../lib/db");
  const now = Date.now();
  const der = Buffer.from(issuer.sampleDer) as Uint8Array<ArrayBuffer>;
  const t0 = process.hrtime.bigint();
  for (let start = from; start < to; start += chunk) {
    const data = [];
    for (let i = start; i < Math.min(to, start + chunk); i++) {
      const issuedAt = now - 100 * DAY + (i % 10_000) * 60_000;
      const cn = `dev-${i}.fleet.example`;
      data.push({
        issuerId: issuer.id,
        serial: issuer.firstSerial + BigInt(i) * 2n,
        subject: `CN=${cn}, O=Acme`,
        commonName: cn,
        sans: `DNS:${cn}`,
        profile: "server",
        keyType: "ec-p256",
        notBefore: new Date(issuedAt),
        notAfter: new Date(issuedAt + 396 * DAY),
        der,
        fingerprintSha256: crypto.randomBytes(32).toString("hex"),
        spkiSha256: crypto.randomBytes(32).toString("hex"),
        ...(valid
          ? { status: "valid" }
          : { status: "revoked", revokedAt: new Date(now - 90 * DAY + Math.floor(((i * 7919) % 90_000) * 86.4) * 1000), revocationReason: REASONS[i % REASONS.length] }),
      });
    }
    await db().certificate.createMany({ data });
  }
  // Serials past the inserted range; the CRL is stale, as after any revocation.
  await db().issuer.update({ where: { id: issuer.id }, data: { nextSerial: issuer.firstSerial + BigInt(to) * 2n + 1n, crlStale: true } });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

// ------------------------------------------------------------------ populated data dirs, reused within one bench run

const templates = new Map<number, { dir: string; issuerId: string; insertMs: number }>();

function copyDb(from: string, to: string): void {
  for (const f of fs.readdirSync(from)) if (f.startsWith("rootline.db")) fs.copyFileSync(path.join(from, f), path.join(to, f));
}

/**
 * A fresh data dir whose issuer FLEET_ISSUER has `n` revoked certificates. Populated in a
 * child process (so it does not inflate the caller's memory), then kept as a template so
 * a later section of the same run gets a copy instead of inserting again.
 */
export async function populatedDataDir(n: number): Promise<{ dir: string; issuerId: string; insertMs: number; reused: boolean }> {
  const dir = migratedDataDir(`populated-${n}`);
  const t = templates.get(n);
  if (t) {
    copyDb(t.dir, dir);
    return { dir, issuerId: t.issuerId, insertMs: t.insertMs, reused: true };
  }
  const r = await tsxChild(__filename, ["populate", String(n)], { ...process.env, ROOTLINE_DATA_DIR: dir });
  const { insertMs, issuerId } = JSON.parse(r.stdout.trim().split("\n").pop()!) as { insertMs: number; issuerId: string };
  const keep = tempDir(`template-${n}`);
  copyDb(dir, keep);
  templates.set(n, { dir: keep, issuerId, insertMs });
  return { dir, issuerId, insertMs, reused: false };
}

if (require.main === module && process.argv[2] === "populate") {
  (async () => {
    const { closeDb } = await import("../lib/db");
    const issuer = await createBenchIssuer(FLEET_ISSUER);
    const insertMs = await addRevoked(issuer, 0, Number(process.argv[3]));
    await closeDb();
    console.log(JSON.stringify({ insertMs, issuerId: issuer.id }));
  })().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
