import Database from "better-sqlite3";
import { describe, expect, it, vi } from "vitest";
import { databaseFile } from "../config";
import { db } from "../db";
import { createIssuer } from "../issuers/service";
import { parseCrl } from "../pki/crl";
import { signRevocationInfo, verifyRevocationInfo } from "../revocation-info/info";
import { holdWriteLock } from "../test/holdLock";
import { makeCa } from "../test/pki";
import { sealIssuerKey } from "../secrets/keys";
import { caCertificate, crl, issuerList, revocationInfoDer, revocationInfoJson } from "./documents";
import { exportRepository } from "./export";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const admin = { kind: "cli", name: "t", role: "administrator" } as const;

describe("repository documents", () => {
  it("serves signed revocation information that verifies with the CA certificate, in both forms", async () => {
    await createIssuer(admin, { name: "repo-ca", keyType: "ec-p256" });
    const ca = (await caCertificate("repo-ca", "der")).body;
    const der = await revocationInfoDer("repo-ca");
    const json = await revocationInfoJson("repo-ca");
    expect(verifyRevocationInfo(der.body, ca)).toMatchObject({ ok: true, revocationNumber: 0n, issuer: "repo-ca" });
    expect(verifyRevocationInfo(Buffer.from(json.body).toString(), ca)).toMatchObject({ ok: true, revocationNumber: 0n });
    expect(der.etag).not.toBe(json.etag);
    // Unchanged database: the very same cached document.
    expect(await revocationInfoDer("repo-ca")).toBe(await revocationInfoDer("repo-ca"));
  });

  it("publishes at once an RN moved by another process (another connection to the file)", async () => {
    const before = await revocationInfoDer("repo-ca");
    const other = new Database(databaseFile());
    other.prepare("UPDATE Issuer SET revocationNumber = 7 WHERE name = ?").run("repo-ca");
    other.close();
    const after = await revocationInfoDer("repo-ca");
    expect(after.etag).not.toBe(before.etag);
    expect(verifyRevocationInfo(after.body, (await caCertificate("repo-ca", "der")).body)).toMatchObject({ ok: true, revocationNumber: 7n });
  });

  it("serves the cached CRL without a query until something changes, then the new one", async () => {
    await createIssuer(admin, { name: "crl-ca", keyType: "ec-p256" });
    await crl("crl-ca"); // builds the first CRL: a write, so nothing is cached yet
    const first = await crl("crl-ca");
    expect(await crl("crl-ca")).toBe(first);
    const { issueCertificate } = await import("../certificates/issue");
    const { requestWithGeneratedKey } = await import("../certificates/request");
    const { startRevocation } = await import("../revocation/prefix");
    const c = await issueCertificate(admin, "crl-ca", await requestWithGeneratedKey({ subject: { CN: "crl.example" }, keyType: "ec-p256" }));
    await startRevocation(admin, { issuer: "crl-ca", serial: c.serial, reason: "keyCompromise", order: "raise-first" });
    const next = await crl("crl-ca");
    expect(next.etag).not.toBe(first.etag);
    expect(parseCrl(next.body).entries.map((e) => e.serial)).toContain(c.serial);
  });

  it("answers an unknown issuer with a 404 error naming the issuer", async () => {
    await expect(revocationInfoJson("nope")).rejects.toMatchObject({ field: "issuer", status: 404 });
    await expect(crl("nope")).rejects.toMatchObject({ status: 404 });
  });

  it("exports the same bytes as static files", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "repo-export-"));
    const files = await exportRepository(dir);
    expect(files).toContain("repo-ca/revocation-info.der");
    expect(fs.readFileSync(path.join(dir, "repo-ca/revocation-info.der")).equals(Buffer.from((await revocationInfoDer("repo-ca")).body))).toBe(true);
    expect(fs.readFileSync(path.join(dir, "repo-ca/crl")).equals(Buffer.from((await crl("repo-ca")).body))).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(dir, "issuers"), "utf8")).issuers.map((i: { name: string }) => i.name)).toContain("repo-ca");
    expect(JSON.parse(Buffer.from((await issuerList()).body).toString()).issuers.map((i: { name: string }) => i.name)).toEqual(["crl-ca", "repo-ca"]);
  });
});

describe("one signed revocation information per RN, shared by every process", () => {
  // Another process: a fresh copy of the module, with empty in-process caches, on the same database.
  const otherProcess = async () => {
    vi.resetModules();
    return import("./documents");
  };
  const stored = (name: string) => {
    const c = new Database(databaseFile(), { readonly: true });
    try {
      return c.prepare("SELECT revocationInfoDer AS der, revocationInfoRn AS rn FROM Issuer WHERE name = ?").safeIntegers().get(name) as { der: Buffer | null; rn: bigint | null };
    } finally {
      c.close();
    }
  };
  const setStored = (name: string, der: Uint8Array) => {
    const c = new Database(databaseFile());
    c.prepare("UPDATE Issuer SET revocationInfoDer = ? WHERE name = ?").run(Buffer.from(der), name);
    c.close();
  };

  it("serves the same bytes and ETags from two processes for an ECDSA issuer (randomised signatures)", async () => {
    await createIssuer(admin, { name: "shared-ca", keyType: "ec-p384" });
    const [der, json] = [await revocationInfoDer("shared-ca"), await revocationInfoJson("shared-ca")];
    expect(stored("shared-ca")).toEqual({ der: Buffer.from(der.body), rn: 0n });
    const other = await otherProcess();
    const [der2, json2] = [await other.revocationInfoDer("shared-ca"), await other.revocationInfoJson("shared-ca")];
    expect(Buffer.from(der2.body).equals(Buffer.from(der.body))).toBe(true);
    expect(Buffer.from(json2.body).equals(Buffer.from(json.body))).toBe(true);
    expect([der2.etag, json2.etag]).toEqual([der.etag, json.etag]);
  });

  it("signs and stores a new document after an RN raise; every process serves it", async () => {
    const before = await revocationInfoDer("shared-ca");
    const c = new Database(databaseFile());
    c.prepare("UPDATE Issuer SET revocationNumber = 5 WHERE name = ?").run("shared-ca");
    c.close();
    const other = await otherProcess();
    const after = await other.revocationInfoDer("shared-ca");
    const ca = (await caCertificate("shared-ca", "der")).body;
    expect(verifyRevocationInfo(after.body, ca, "shared-ca")).toMatchObject({ ok: true, revocationNumber: 5n });
    expect(stored("shared-ca")).toEqual({ der: Buffer.from(after.body), rn: 5n });
    expect(Buffer.from((await revocationInfoDer("shared-ca")).body).equals(Buffer.from(after.body))).toBe(true);
    expect(after.etag).not.toBe(before.etag);
  });

  it("replaces a stored document that does not verify with the current CA certificate", async () => {
    const ca = (await caCertificate("shared-ca", "der")).body;
    const foreign = await makeCa("ec-p384");
    const byOtherKey = signRevocationInfo({ issuerName: "shared-ca", issuerCertDer: foreign.certDer, privateKey: foreign.keyPair.privateKey, revocationNumber: 5n }).der;
    for (const bad of [Buffer.from("garbage"), byOtherKey]) {
      setStored("shared-ca", bad);
      const served = await (await otherProcess()).revocationInfoDer("shared-ca");
      expect(Buffer.from(served.body).equals(Buffer.from(bad))).toBe(false);
      expect(verifyRevocationInfo(served.body, ca, "shared-ca")).toMatchObject({ ok: true, revocationNumber: 5n });
      expect(stored("shared-ca")).toEqual({ der: Buffer.from(served.body), rn: 5n });
    }
  });

  it("after a key change under the same RN (a rotation run's new root), this process serves a document the new certificate verifies", async () => {
    await createIssuer(admin, { name: "rekeyed", keyType: "ec-p256" });
    const before = await revocationInfoDer("rekeyed");
    expect(verifyRevocationInfo(before.body, (await caCertificate("rekeyed", "der")).body, "rekeyed")).toMatchObject({ ok: true });
    // What finishing a run writes: the new root and its key, the RN unchanged.
    const next = await makeCa("ec-p256", "CN=rekeyed");
    const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", next.keyPair.privateKey));
    await db().issuer.update({ where: { name: "rekeyed" }, data: { certificateDer: Buffer.from(next.certDer), sealedKey: sealIssuerKey(pkcs8, { name: "rekeyed" }) } });
    const after = await revocationInfoDer("rekeyed");
    expect(after.etag).not.toBe(before.etag);
    expect(verifyRevocationInfo(after.body, next.certDer, "rekeyed")).toMatchObject({ ok: true, revocationNumber: 0n });
  });

  it("does not keep a device waiting while another process holds the write lock; the document is stored afterwards", async () => {
    const c = new Database(databaseFile());
    c.prepare("UPDATE Issuer SET revocationNumber = 6 WHERE name = ?").run("shared-ca");
    c.close();
    const lock = await holdWriteLock(databaseFile(), 3);
    const started = Date.now();
    const served = await (await otherProcess()).revocationInfoDer("shared-ca");
    expect(Date.now() - started).toBeLessThan(1500); // not the 10 s busy deadline
    expect(verifyRevocationInfo(served.body, (await caCertificate("shared-ca", "der")).body, "shared-ca")).toMatchObject({ ok: true, revocationNumber: 6n });
    await lock.released;
    await vi.waitFor(() => expect(stored("shared-ca").rn).toBe(6n), { timeout: 15_000, interval: 100 });
    const again = await (await otherProcess()).revocationInfoDer("shared-ca");
    expect(stored("shared-ca").der?.equals(Buffer.from(again.body))).toBe(true);
  }, 30_000);

  it("still answers when storing fails (a busy database): with the freshly signed document", async () => {
    setStored("shared-ca", Buffer.from("garbage"));
    const write = vi.spyOn(db().issuer, "updateMany").mockRejectedValueOnce(new Error("database is busy"));
    try {
      const served = await (await otherProcess()).revocationInfoDer("shared-ca");
      expect(write).toHaveBeenCalledTimes(1);
      expect(verifyRevocationInfo(served.body, (await caCertificate("shared-ca", "der")).body, "shared-ca")).toMatchObject({ ok: true, revocationNumber: 6n });
      expect(stored("shared-ca").der?.toString()).toBe("garbage");
    } finally {
      write.mockRestore();
    }
  });
});
