import { describe, expect, it } from "vitest";
import { cliActor } from "../auth/actor";
import { db } from "../db";
import { addDays } from "../issuers/validity";
import { parseCertificateDer } from "../pki/certificate";
import { resetMasterKeysForTests } from "../secrets/masterKey";
import { rotateMasterKey } from "../secrets/rotate";
import { caInfoOf, createLineage, distributionKeyOf, nextGeneration } from "./lineage";
import { verifyCaInfo } from "./caInfo";
import { revokeGenerationNow, runGenerationSchedule } from "./schedule";
import { lineageView, showJson } from "./view";

const actor = cliActor();
const T0 = new Date("2030-01-01T00:00:00Z");
const template = "https://127.0.0.1:8443/ca-info/{n}";

describe("lineages", () => {
  it("creates generation 1 as issuer L-1 with signed CA information 1 naming the URL of 2", async () => {
    const l = await createLineage(actor, { name: "A", keyType: "ec-p256", downloadUrlTemplate: template }, { now: T0 });
    expect(l).toMatchObject({ name: "A", distributionKeyType: "ec-p256", caValidityDays: 7305, leadDays: 1826 });
    const info = await caInfoOf("A", 1);
    expect(info).toMatchObject({ lineage: "A", generation: 1, nextUrl: "https://127.0.0.1:8443/ca-info/2" });
    expect(verifyCaInfo(info, (await distributionKeyOf("A")).spki)).toBe(true);
    const issuer = await db().issuer.findUniqueOrThrow({ where: { name: "A-1" } });
    expect(Buffer.from(info.caCertDer).equals(Buffer.from(issuer.certificateDer))).toBe(true);
    expect(parseCertificateDer(issuer.certificateDer).subject).toBe("CN=A-1");
    expect(issuer.notAfter.getTime() - T0.getTime()).toBeGreaterThan(7304 * 86_400_000);
    // The sealed key is not the public key and is bound to the name.
    expect((await distributionKeyOf("A")).pem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const events = await db().auditEvent.findMany({ where: { action: { startsWith: "lineage." } } });
    expect(events.map((e) => e.action)).toEqual(["lineage.create"]);
  });

  it("refuses bad input with the field at fault", async () => {
    await expect(createLineage(actor, { name: "A", keyType: "ec-p256", downloadUrlTemplate: template })).rejects.toMatchObject({ field: "name", status: 409 });
    await expect(createLineage(actor, { name: "B", keyType: "ec-p256", downloadUrlTemplate: "http://x/{n}" })).rejects.toMatchObject({ field: "downloadUrlTemplate" });
    await expect(createLineage(actor, { name: "B", keyType: "ec-p256", downloadUrlTemplate: "https://x/ca-info" })).rejects.toMatchObject({ field: "downloadUrlTemplate" });
    await expect(createLineage(actor, { name: "B", keyType: "ec-p256", distributionKeyType: "rsa-2048", downloadUrlTemplate: template })).rejects.toMatchObject({ field: "distributionKeyType" });
    await expect(createLineage(actor, { name: "B", keyType: "ec-p256", caValidityDays: 10, leadDays: 10, downloadUrlTemplate: template })).rejects.toMatchObject({ field: "leadDays" });
    expect(await db().lineage.count({ where: { name: "B" } })).toBe(0);
    expect(await db().issuer.count({ where: { name: "B-1" } })).toBe(0);
  });

  it("next creates L-2 now; show lists both; the schedule moves to generation 3", async () => {
    const c = await nextGeneration(actor, "A", { now: addDays(T0, 1) });
    expect(c).toMatchObject({ generation: 2, issuer: "A-2" });
    const v = await lineageView("A", addDays(T0, 2));
    expect(v.generations.map((g) => [g.n, g.issuer, g.state, g.nextExists])).toEqual([
      [1, "A-1", "superseded", true],
      [2, "A-2", "active", false],
    ]);
    const j = showJson(v);
    expect(Object.keys(j)).toEqual(["name", "generations", "nextScheduledAt"]);
    expect(Object.keys(j.generations[0])).toEqual(["n", "issuer", "notAfter", "revoked", "nextUrl"]);
    expect(j.generations[1].nextUrl).toBe("https://127.0.0.1:8443/ca-info/3");
    expect(v.schedule).toMatchObject({ generation: 3, cause: "schedule" });
    expect(v.schedule!.dueAt.getTime()).toBe(addDays(v.generations[1].notAfter, -1826).getTime());
  });

  it("the schedule creates n+1 at notAfter(n) - lead days, not before (injected clock)", async () => {
    await createLineage(actor, { name: "S", keyType: "ec-p256", caValidityDays: 7305, leadDays: 1826, downloadUrlTemplate: template }, { now: T0 });
    const notAfter = (await db().issuer.findUniqueOrThrow({ where: { name: "S-1" } })).notAfter;
    const due = addDays(notAfter, -1826);
    const before = await runGenerationSchedule({ now: new Date(due.getTime() - 1000), lineage: "S" });
    expect(before[0].created).toBeUndefined();
    expect(before[0].next).toMatchObject({ generation: 2, dueAt: due, cause: "schedule" });
    expect(await db().issuer.count({ where: { name: "S-2" } })).toBe(0);
    const at = await runGenerationSchedule({ now: due, lineage: "S" });
    expect(at[0].created).toEqual({ generation: 2, issuer: "S-2" });
    const s2 = await db().issuer.findUniqueOrThrow({ where: { name: "S-2" } });
    expect(Math.abs(s2.notBefore.getTime() - due.getTime())).toBeLessThan(120_000);
    // Running again creates nothing more (the next one is 15 years away).
    expect((await runGenerationSchedule({ now: due, lineage: "S" }))[0].created).toBeUndefined();
    const ev = await db().auditEvent.findFirstOrThrow({ where: { action: "lineage.next-generation", actor: { contains: "generation-schedule" } } });
    expect(JSON.parse(ev.after!)).toMatchObject({ generation: 2, cause: "schedule" });
  });

  it("revoking the newest generation creates the next at once", async () => {
    await createLineage(actor, { name: "R", keyType: "ec-p384", distributionKeyType: "ec-p384", downloadUrlTemplate: template }, { now: T0 });
    const at = addDays(T0, 30);
    const r = await revokeGenerationNow(actor, "R", 1, "key compromise", { now: at });
    expect(r.created).toEqual({ generation: 2, issuer: "R-2" });
    const v = await lineageView("R", at);
    expect(v.generations.map((g) => [g.n, g.state, g.revoked])).toEqual([
      [1, "revoked", true],
      [2, "active", false],
    ]);
    expect(showJson(v).generations[0].revoked).toBe(true);
    await expect(revokeGenerationNow(actor, "R", 1, "again", { now: at })).rejects.toMatchObject({ status: 409 });
    // Revoking an older generation whose successor exists creates nothing.
    await nextGeneration(actor, "R", { now: at });
    expect((await revokeGenerationNow(actor, "R", 2, "retired", { now: at })).created).toBeUndefined();
    expect(await db().issuer.count({ where: { lineage: { name: "R" } } })).toBe(3);
  });

  it("master-key rotation re-seals the distribution key, and it still signs", async () => {
    const { ROOTLINE_MASTER_KEY: old } = process.env;
    const crypto = await import("node:crypto");
    process.env.ROOTLINE_MASTER_KEY = crypto.randomBytes(32).toString("base64");
    process.env.ROOTLINE_PREVIOUS_MASTER_KEY = old;
    resetMasterKeysForTests();
    try {
      expect((await rotateMasterKey(actor)).rootKeys).toBeGreaterThanOrEqual(3);
      delete process.env.ROOTLINE_PREVIOUS_MASTER_KEY;
      resetMasterKeysForTests();
      const c = await nextGeneration(actor, "A");
      const info = await caInfoOf("A", c.generation);
      expect(verifyCaInfo(info, (await distributionKeyOf("A")).spki)).toBe(true);
    } finally {
      process.env.ROOTLINE_MASTER_KEY = old;
      delete process.env.ROOTLINE_PREVIOUS_MASTER_KEY;
      resetMasterKeysForTests();
    }
  });
});
