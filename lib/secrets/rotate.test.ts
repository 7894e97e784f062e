import crypto from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { verifyAuditLog } from "../audit";
import { issueCertificate } from "../certificates/issue";
import { exportCertificate } from "../certificates/export";
import { requestWithGeneratedKey } from "../certificates/request";
import { db } from "../db";
import { createIssuer } from "../issuers/service";
import { resetMasterKeysForTests } from "./masterKey";
import { rotateMasterKey } from "./rotate";

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
    expect(await rotateMasterKey(admin)).toEqual({ issuers: 1, certificates: 1 });
    expect(await rotateMasterKey(admin)).toEqual({ issuers: 0, certificates: 0 }); // idempotent

    // The old key is gone: everything still opens.
    delete process.env.ROOTLINE_PREVIOUS_MASTER_KEY;
    resetMasterKeysForTests();
    const after = await db().issuer.findUniqueOrThrow({ where: { name: "rot-ca" } });
    expect(Buffer.from(after.sealedKey).equals(Buffer.from(before.sealedKey))).toBe(false);
    const again = await issueCertificate(admin, "rot-ca", await requestWithGeneratedKey({ subject: { CN: "k2.example" }, keyType: "ec-p256" }));
    expect(again.serial).toBe(2n);
    expect((await exportCertificate(admin, cert.id, "key")).body.length).toBeGreaterThan(100);
    expect(await verifyAuditLog(db())).toMatchObject({ ok: true });
  });
});
