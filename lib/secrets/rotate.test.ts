import crypto from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { verifyAuditLog } from "../audit";
import { issueCertificate } from "../certificates/issue";
import { exportCertificate } from "../certificates/export";
import { requestWithGeneratedKey } from "../certificates/request";
import { db } from "../db";
import { createIssuer } from "../issuers/service";
import { PURPOSE, unsealIssuerKey } from "./keys";
import { masterKeys, resetMasterKeysForTests } from "./masterKey";
import { rotateMasterKey } from "./rotate";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { bindGroup } from "../rotation-run/bind";
import { provisionTopology } from "../rotation-run/provision";
import { startRun } from "../rotation-run/start";
import { importTopology } from "../topologies/service";
import { fig46 } from "../topologies/samples";
import { SimFleet } from "../test/rotationSim";
import { unsealEabKey, unsealRunKey } from "./keys";
import { createEabKey } from "../acme/eab";

const admin = { kind: "cli", name: "t", role: "administrator" } as const;
const original = process.env.ROOTLINE_MASTER_KEY;
afterAll(() => {
  process.env.ROOTLINE_MASTER_KEY = original;
  delete process.env.ROOTLINE_PREVIOUS_MASTER_KEY;
  resetMasterKeysForTests();
});

describe("master key rotation", () => {
  it("re-seals every private key under the new key, all in one go, and the CA keeps signing", async () => {
    await createIssuer(admin, { name: "rot-ca", keyType: "ec-p256" });
    const cert = await issueCertificate(admin, "rot-ca", await requestWithGeneratedKey({ subject: { CN: "k.example" }, keyType: "ec-p256" }));
    const before = await db().issuer.findUniqueOrThrow({ where: { name: "rot-ca" } });

    process.env.ROOTLINE_PREVIOUS_MASTER_KEY = original;
    process.env.ROOTLINE_MASTER_KEY = crypto.randomBytes(32).toString("base64");
    resetMasterKeysForTests();
    expect(await rotateMasterKey(admin)).toEqual({ issuers: 1, certificates: 1, rootKeys: 0, checkpoints: 0 });
    expect(await rotateMasterKey(admin)).toEqual({ issuers: 0, certificates: 0, rootKeys: 0, checkpoints: 0 }); // idempotent

    // The old key is gone: everything still opens.
    delete process.env.ROOTLINE_PREVIOUS_MASTER_KEY;
    resetMasterKeysForTests();
    const after = await db().issuer.findUniqueOrThrow({ where: { name: "rot-ca" } });
    expect(Buffer.from(after.sealedKey).equals(Buffer.from(before.sealedKey))).toBe(false);
    const again = await issueCertificate(admin, "rot-ca", await requestWithGeneratedKey({ subject: { CN: "k2.example" }, keyType: "ec-p256" }));
    expect(again.serial).toBe(2n);
    expect((await exportCertificate(admin, cert.id, "key")).body.length).toBeGreaterThan(100);
    // The audit anchor was re-MACed under the new key: the log verifies without the old one.
    expect(await verifyAuditLog(db())).toMatchObject({ ok: true });
  });

  it("re-seals version-1 blobs (purpose-only) into the row-bound format under the same key", async () => {
    await createIssuer(admin, { name: "v1-ca", keyType: "ec-p256" });
    const row = await db().issuer.findUniqueOrThrow({ where: { name: "v1-ca" } });
    const key = masterKeys().current;
    const pkcs8 = unsealIssuerKey(row);
    const iv = crypto.randomBytes(12);
    const c = crypto.createCipheriv("aes-256-gcm", key.key, iv);
    c.setAAD(Buffer.from(PURPOSE.issuerKey));
    const ct = Buffer.concat([c.update(pkcs8), c.final()]);
    await db().issuer.update({ where: { id: row.id }, data: { sealedKey: new Uint8Array(Buffer.concat([Buffer.from([1]), key.id, iv, c.getAuthTag(), ct])) } });
    expect(await rotateMasterKey(admin)).toMatchObject({ issuers: 1 });
    const after = await db().issuer.findUniqueOrThrow({ where: { id: row.id } });
    expect(after.sealedKey[0]).toBe(2);
    expect(unsealIssuerKey(after).equals(pkcs8)).toBe(true);
  });

  it("re-seals the root keys outside issuer rows: an unfinished run's new key and a retired root", async () => {
    const issuer = await createIssuer(admin, { name: "run-ca", keyType: "ec-p256" });
    await importTopology(admin, { name: "mk-fleet", text: JSON.stringify(fig46()) });
    await bindGroup(admin, { topology: "mk-fleet", issuer: issuer.name });
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "rl-mk-"));
    await provisionTopology(admin, { topology: "mk-fleet", out, basePort: 21000 });
    // One run finished (retires the first root), a second one left unfinished.
    const first = await startRun(admin, { topology: "mk-fleet" });
    const fleet = new SimFleet(out);
    await fleet.until(async () => (await db().rotationRun.findUniqueOrThrow({ where: { id: first.id } })).state !== "running");
    expect((await db().rotationRun.findUniqueOrThrow({ where: { id: first.id } })).state).toBe("succeeded");
    const second = await startRun(admin, { topology: "mk-fleet" });
    const runKey = unsealRunKey(await db().rotationRun.findUniqueOrThrow({ where: { id: second.id } }));
    const retired = await db().retiredRoot.findFirstOrThrow({ where: { issuerId: issuer.id } });
    const retiredKey = unsealIssuerKey({ name: issuer.name, sealedKey: retired.sealedKey });

    process.env.ROOTLINE_PREVIOUS_MASTER_KEY = process.env.ROOTLINE_MASTER_KEY;
    process.env.ROOTLINE_MASTER_KEY = crypto.randomBytes(32).toString("base64");
    resetMasterKeysForTests();
    // Two runs' keys (the finished run keeps its sealed copy) and the retired root.
    expect(await rotateMasterKey(admin)).toMatchObject({ rootKeys: 3 });
    delete process.env.ROOTLINE_PREVIOUS_MASTER_KEY;
    resetMasterKeysForTests();
    expect(unsealRunKey(await db().rotationRun.findUniqueOrThrow({ where: { id: second.id } })).equals(runKey)).toBe(true);
    const after = await db().retiredRoot.findUniqueOrThrow({ where: { id: retired.id } });
    expect(unsealIssuerKey({ name: issuer.name, sealedKey: after.sealedKey }).equals(retiredKey)).toBe(true);
  });

  it("re-seals ACME EAB keys: an unused one still opens once the old master key is gone", async () => {
    await createIssuer(admin, { name: "eab-ca", keyType: "ec-p256" });
    const { keyId, hmacKey } = await createEabKey(admin, "eab-ca", "rotated");
    process.env.ROOTLINE_PREVIOUS_MASTER_KEY = process.env.ROOTLINE_MASTER_KEY;
    process.env.ROOTLINE_MASTER_KEY = crypto.randomBytes(32).toString("base64");
    resetMasterKeysForTests();
    expect((await rotateMasterKey(admin)).rootKeys).toBeGreaterThanOrEqual(1); // earlier tests' root keys too
    delete process.env.ROOTLINE_PREVIOUS_MASTER_KEY;
    resetMasterKeysForTests();
    const row = await db().acmeEabKey.findUniqueOrThrow({ where: { id: keyId } });
    expect(unsealEabKey(row).toString("base64url")).toBe(hmacKey);
  });

  it("a sealed key copied from one issuer row to another does not open there", async () => {
    await createIssuer(admin, { name: "copy-a", keyType: "ec-p256" });
    await createIssuer(admin, { name: "copy-b", keyType: "ec-p256" });
    const a = await db().issuer.findUniqueOrThrow({ where: { name: "copy-a" } });
    await db().issuer.update({ where: { name: "copy-b" }, data: { sealedKey: a.sealedKey } });
    await expect(issueCertificate(admin, "copy-b", await requestWithGeneratedKey({ subject: { CN: "x.example" }, keyType: "ec-p256" }))).rejects.toThrow(/another row/);
    // Same for certificate keys: (issuer, serial) is bound in.
    const one = await issueCertificate(admin, "copy-a", await requestWithGeneratedKey({ subject: { CN: "one.example" }, keyType: "ec-p256" }));
    const two = await issueCertificate(admin, "copy-a", await requestWithGeneratedKey({ subject: { CN: "two.example" }, keyType: "ec-p256" }));
    const sealed = (await db().certificate.findUniqueOrThrow({ where: { id: one.id } })).sealedKey!;
    await db().certificate.update({ where: { id: two.id }, data: { sealedKey: sealed } });
    await expect(exportCertificate(admin, two.id, "key")).rejects.toThrow(/another row/);
  });

});
