import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { databaseFile } from "../config";
import { createIssuer } from "../issuers/service";
import { parseCrl } from "../pki/crl";
import { verifyRevocationInfo } from "../revocation-info/info";
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
