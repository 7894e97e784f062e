import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { verifyAuditLog } from "../audit";
import { exportCertificate } from "../certificates/export";
import { issueCertificate } from "../certificates/issue";
import { requestFromCsr, requestWithGeneratedKey } from "../certificates/request";
import { db } from "../db";
import { createIssuer } from "../issuers/service";
import { startBackgroundJobs } from "../jobs";
import { startRevocation } from "../revocation/prefix";
import { renewGeneratedKey } from "../revocation/renewal";
import { makeCsr } from "../test/csr";
import { purgeHolderKeys } from "./purge";

const admin = { kind: "cli", name: "t", role: "administrator" } as const;
const DAY = 86_400_000;
const gen = (cn: string, profile?: "repository") => requestWithGeneratedKey({ subject: { CN: cn }, keyType: "ec-p256", ...(profile ? { profile, sans: ["DNS:repo.example"] } : {}) }, { internal: !!profile });
const hasKey = async (id: string) => (await db().certificate.findUniqueOrThrow({ where: { id } })).sealedKey !== null;

describe("purging server-generated holder keys", () => {
  it("on supersede, revoke and renewal at once, after the retention otherwise; the repository's own key stays; audited", async () => {
    await createIssuer(admin, { name: "purge-ca", keyType: "ec-p256" });
    const fresh = await issueCertificate(admin, "purge-ca", await gen("fresh.example"));
    const revoked = await issueCertificate(admin, "purge-ca", await gen("revoked.example"));
    const superseded = await issueCertificate(admin, "purge-ca", await gen("superseded.example"));
    const renewed = await issueCertificate(admin, "purge-ca", await gen("renewed.example"));
    const replacement = await issueCertificate(admin, "purge-ca", await gen("renewed.example"), { replacesId: renewed.id });
    const repo = await issueCertificate(admin, "purge-ca", await gen("repo", "repository"));
    const fromCsr = await issueCertificate(admin, "purge-ca", await requestFromCsr({ csr: (await makeCsr("csr.example")).pem }));
    await db().certificate.update({ where: { id: revoked.id }, data: { status: "revoked", revokedAt: new Date() } });
    await db().certificate.update({ where: { id: superseded.id }, data: { status: "superseded", revokedAt: new Date() } });

    expect(await purgeHolderKeys({ retentionDays: 30 })).toEqual({ purged: 3 });
    expect([await hasKey(fresh.id), await hasKey(revoked.id), await hasKey(superseded.id), await hasKey(renewed.id), await hasKey(replacement.id), await hasKey(repo.id)]).toEqual([true, false, false, false, true, true]);
    await expect(exportCertificate(admin, renewed.id, "key")).rejects.toThrow(/deleted this certificate's generated key/);
    await expect(exportCertificate(admin, fromCsr.id, "key")).rejects.toThrow(/issued from a CSR/);
    expect(await purgeHolderKeys({ retentionDays: 30 })).toEqual({ purged: 0 });

    expect(await purgeHolderKeys({ retentionDays: 30, now: new Date(Date.now() + 31 * DAY) })).toEqual({ purged: 2 });
    expect([await hasKey(fresh.id), await hasKey(replacement.id), await hasKey(repo.id)]).toEqual([false, false, true]);
    const events = await db().auditEvent.findMany({ where: { action: "certificate.key-purge" }, orderBy: { seq: "asc" } });
    expect(events.map((e) => [e.targetId, JSON.parse(e.after!).reason])).toEqual(
      expect.arrayContaining([[revoked.id, "revoked"], [superseded.id, "superseded"], [renewed.id, "renewed"], [fresh.id, "retention"], [replacement.id, "retention"]]),
    );
    expect(events).toHaveLength(5);
    expect(events[0].actor).toBe("system:key-purge");
    expect(await verifyAuditLog(db())).toMatchObject({ ok: true });
  });

  it("a revoked repository certificate keeps its key until replaced; a purged holder key can still be renewed with a new one", async () => {
    const repo = await issueCertificate(admin, "purge-ca", await gen("repo2", "repository"));
    const holder = await issueCertificate(admin, "purge-ca", await gen("holder2.example"));
    await startRevocation(admin, { issuer: "purge-ca", serial: holder.serial > repo.serial ? holder.serial : repo.serial, reason: "keyCompromise", order: "raise-first" });
    await purgeHolderKeys({ retentionDays: 30 });
    expect([await hasKey(repo.id), await hasKey(holder.id)]).toEqual([true, false]);
    // Renewal generates a new key: the purged one is not needed, only the fact that it was Rootline's.
    const renewedHolder = await renewGeneratedKey(admin, { issuer: "purge-ca", serial: holder.serial });
    const renewedRepo = await renewGeneratedKey(admin, { issuer: "purge-ca", serial: repo.serial });
    expect(renewedHolder.replacement.hasKey && renewedRepo.replacement.hasKey).toBe(true);
    await purgeHolderKeys({ retentionDays: 30 });
    expect(await hasKey(repo.id)).toBe(false);
  });

  it("runs in the hourly background job", async () => {
    const c = await issueCertificate(admin, "purge-ca", await gen("job.example"));
    await db().certificate.update({ where: { id: c.id }, data: { status: "revoked", revokedAt: new Date() } });
    const stop = startBackgroundJobs({ ...process.env, ROOTLINE_SWEEP_INTERVAL_MINUTES: String(0.2 / 60) }); // every 200 ms here
    try {
      await expect.poll(() => hasKey(c.id), { timeout: 15_000, interval: 200 }).toBe(false);
    } finally {
      stop();
    }
  });

  it("runs in `rootline sweep` (real CLI process)", async () => {
    const c = await issueCertificate(admin, "purge-ca", await gen("cron.example"));
    await db().certificate.update({ where: { id: c.id }, data: { status: "superseded", revokedAt: new Date() } });
    const r = spawnSync(process.execPath, ["bin/rootline.mjs", "sweep"], { env: process.env, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("deleted 1 server-generated holder key");
    expect(await hasKey(c.id)).toBe(false);
  });
});
