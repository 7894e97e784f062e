import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { verifyAuditLog } from "../audit";
import { db } from "../db";
import { createIssuer, importIssuer } from "../issuers/service";
import { pemEncode } from "../pki/pem";
import { openssl, opensslCsr, tmpFile } from "../test/openssl";
import { exportCertificate } from "./export";
import { issueCertificate } from "./issue";
import { listCertificates } from "./query";
import { requestFromCsr, requestWithGeneratedKey } from "./request";

const admin = { kind: "cli", name: "test", role: "administrator" } as const;
const auditor = { kind: "user", name: "aud@x", role: "auditor" } as const;

describe("issuers", () => {
  it.each(["ec-p256", "ec-p384", "rsa-2048"])("creates a %s CA that OpenSSL reads as a CA", async (keyType) => {
    const issuer = await createIssuer(admin, { name: `ca-${keyType}`, keyType, subject: { CN: `Test ${keyType}`, O: "Rootline" } });
    const file = tmpFile("ca.pem", pemEncode("CERTIFICATE", issuer.certificateDer));
    const text = openssl(["x509", "-in", file, "-noout", "-text"]).stdout;
    expect(text).toMatch(new RegExp(`Subject: O ?= ?Rootline, CN ?= ?Test ${keyType}`));
    expect(text).toMatch(/CA:TRUE/);
    expect(openssl(["verify", "-CAfile", file, file]).stdout).toContain("OK");
    // The private key is sealed: the stored blob does not contain the PKCS#8 header.
    const row = await db().issuer.findUniqueOrThrow({ where: { id: issuer.id } });
    expect(Buffer.from(row.sealedKey).includes(Buffer.from("020100300", "hex"))).toBe(false);
  });

  it("refuses a duplicate name, a bad key type and a bad subject, writing nothing", async () => {
    const before = await db().issuer.count();
    await expect(createIssuer(admin, { name: "ca-ec-p256", keyType: "ec-p256" })).rejects.toMatchObject({ field: "name", status: 409 });
    await expect(createIssuer(admin, { name: "x1", keyType: "dsa-1024" })).rejects.toMatchObject({ field: "keyType" });
    await expect(createIssuer(admin, { name: "x2", keyType: "ec-p256", subject: "CN=a, ZZ=b" })).rejects.toMatchObject({ field: "subject" });
    await expect(createIssuer(admin, { name: "bad name/..", keyType: "ec-p256" })).rejects.toMatchObject({ field: "name" });
    await expect(createIssuer(auditor, { name: "x3", keyType: "ec-p256" })).rejects.toThrow(/role/);
    expect(await db().issuer.count()).toBe(before);
  });

  it("imports a CA made by OpenSSL and refuses a mismatched key", async () => {
    const dir = tmpFile("x", "");
    const key = path.join(path.dirname(dir), "ca.key");
    const crt = path.join(path.dirname(dir), "ca.crt");
    openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", crt, "-subj", "/CN=Imported CA", "-days", "30", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
    const other = opensslCsr("/CN=other");
    const fs = await import("node:fs");
    await expect(importIssuer(admin, { name: "imported-bad", certificate: fs.readFileSync(crt, "utf8"), privateKey: fs.readFileSync(other.keyFile, "utf8"), firstSerial: "1" })).rejects.toMatchObject({ field: "privateKey" });
    const imported = await importIssuer(admin, { name: "imported", certificate: fs.readFileSync(crt, "utf8"), privateKey: fs.readFileSync(key, "utf8"), firstSerial: "1" });
    expect(imported.subject).toBe("CN=Imported CA");
    const { csr } = opensslCsr("/CN=leaf.example");
    const cert = await issueCertificate(admin, "imported", await requestFromCsr({ csr }));
    const leaf = tmpFile("leaf.pem", pemEncode("CERTIFICATE", cert.der));
    expect(openssl(["verify", "-CAfile", crt, leaf]).stdout).toContain("OK");
  });
});

describe("issuance", () => {
  it("issues from an OpenSSL CSR; OpenSSL verifies the chain and reads profile and SANs", async () => {
    const { csr } = opensslCsr("/CN=printer-7.example/O=Acme");
    const cert = await issueCertificate(admin, "ca-ec-p256", await requestFromCsr({ csr, profile: "both", sans: ["DNS:printer-7.example", "IP:10.1.2.3"] }));
    expect(cert.serial).toBe(1n);
    const ca = await db().issuer.findUniqueOrThrow({ where: { name: "ca-ec-p256" } });
    const caFile = tmpFile("ca.pem", pemEncode("CERTIFICATE", ca.certificateDer));
    const leaf = tmpFile("leaf.pem", pemEncode("CERTIFICATE", cert.der));
    expect(openssl(["verify", "-CAfile", caFile, leaf]).stdout).toContain(": OK");
    const text = openssl(["x509", "-in", leaf, "-noout", "-text"]).stdout;
    expect(text).toContain("DNS:printer-7.example, IP Address:10.1.2.3");
    expect(text).toContain("TLS Web Server Authentication, TLS Web Client Authentication");
    expect(text).toContain("Serial Number: 1 (0x1)");
    // Validity = the issuer's default (396 days).
    expect(Math.round((cert.notAfter.getTime() - cert.notBefore.getTime()) / 86_400_000)).toBe(396);
  });

  it("uses a host-name CN as the SAN when none is given for a server profile", async () => {
    const { csr } = opensslCsr("/CN=meter-1.example");
    const cert = await issueCertificate(admin, "ca-ec-p256", await requestFromCsr({ csr }));
    expect(cert.sans).toBe("DNS:meter-1.example");
  });

  it.each([
    ["garbage", "hello", "csr"],
    ["truncated PEM", "-----BEGIN CERTIFICATE REQUEST-----\nMIIB", "csr"],
    ["an Ed25519 CSR (not offered)", opensslCsr("/CN=ed.example", "ed25519").csr, "csr"],
  ])("rejects %s naming the field and consumes no serial", async (_n, csr, field) => {
    const before = await db().issuer.findUniqueOrThrow({ where: { name: "ca-ec-p256" } });
    await expect(requestFromCsr({ csr })).rejects.toMatchObject({ field });
    const after = await db().issuer.findUniqueOrThrow({ where: { name: "ca-ec-p256" } });
    expect(after.nextSerial).toBe(before.nextSerial);
  });

  it("rejects an invalid SAN, an unknown issuer and an auditor, writing nothing", async () => {
    const { csr } = opensslCsr("/CN=x.example");
    await expect(requestFromCsr({ csr, sans: ["DNS:-bad-.example"] })).rejects.toMatchObject({ field: "san" });
    const count = await db().certificate.count();
    await expect(issueCertificate(admin, "no-such-ca", await requestFromCsr({ csr }))).rejects.toMatchObject({ field: "issuer", status: 404 });
    await expect(issueCertificate(auditor, "ca-ec-p256", await requestFromCsr({ csr }))).rejects.toThrow(/role/);
    expect(await db().certificate.count()).toBe(count);
  });

  it("allocates serials monotonically with no duplicates under concurrent issuance in one process", async () => {
    const { csr } = opensslCsr("/CN=burst.example");
    const req = await requestFromCsr({ csr });
    const before = (await db().issuer.findUniqueOrThrow({ where: { name: "ca-ec-p256" } })).nextSerial;
    const issued = await Promise.all(Array.from({ length: 40 }, () => issueCertificate(admin, "ca-ec-p256", req)));
    const serials = issued.map((c) => c.serial).sort((a, b) => (a < b ? -1 : 1));
    expect(new Set(serials).size).toBe(40);
    expect(serials[0]).toBe(before);
    expect(serials[39]).toBe(before + 39n);
  });

  it("keeps serials unique and gap-free across two processes issuing at once", async () => {
    const script = path.resolve("lib/test/issueMany.ts");
    const run = () =>
      new Promise<string>((resolve, reject) => {
        const p = spawn("npx", ["tsx", script, "ca-ec-p256", "25"], { env: process.env });
        let out = "";
        let err = "";
        p.stdout.on("data", (d) => (out += d));
        p.stderr.on("data", (d) => (err += d));
        p.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(err))));
      });
    const before = (await db().issuer.findUniqueOrThrow({ where: { name: "ca-ec-p256" } })).nextSerial;
    const outs = await Promise.all([run(), run()]);
    const serials = outs.flatMap((o) => o.trim().split("\n")).map(BigInt).sort((a, b) => (a < b ? -1 : 1));
    expect(serials).toHaveLength(50);
    expect(new Set(serials).size).toBe(50);
    expect(serials[0]).toBe(before);
    expect(serials[49]).toBe(before + 49n);
  }, 120_000);

  it("generates a key on the server, seals it, and exports a PKCS#12 that OpenSSL opens with the chosen password", async () => {
    const cert = await issueCertificate(admin, "ca-ec-p256", await requestWithGeneratedKey({ subject: { CN: "gateway.example" }, keyType: "ec-p256", profile: "server" }));
    expect(cert.hasKey).toBe(true);
    const p12 = await exportCertificate(admin, cert.id, "p12", "a-strong-pass");
    const file = tmpFile("c.p12", p12.body);
    const ok = openssl(["pkcs12", "-in", file, "-passin", "pass:a-strong-pass", "-nodes", "-info"]);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain("BEGIN PRIVATE KEY");
    expect(openssl(["pkcs12", "-in", file, "-passin", "pass:wrong-pass!", "-nodes"]).status).not.toBe(0);
    await expect(exportCertificate(admin, cert.id, "p12", "short")).rejects.toMatchObject({ field: "password" });
    await expect(exportCertificate(auditor, cert.id, "key")).rejects.toThrow(/role/);
    const chain = await exportCertificate(auditor, cert.id, "chain");
    expect(Buffer.from(chain.body).toString().match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
  });

  it("lists with search by subject, SAN and serial, filters and pagination", async () => {
    const bySan = await listCertificates({ q: "10.1.2.3" });
    expect(bySan.rows.map((r) => r.commonName)).toEqual(["printer-7.example"]);
    const bySerial = await listCertificates({ q: "1", issuer: "ca-ec-p256" });
    expect(bySerial.rows.some((r) => r.serial === 1n)).toBe(true);
    const page = await listCertificates({ issuer: "ca-ec-p256", pageSize: 10, page: 2, sort: "serial", dir: "asc" });
    expect(page.rows).toHaveLength(10);
    expect(page.rows[0].serial).toBe(11n);
    expect(page.total).toBeGreaterThan(50);
    await expect(listCertificates({ status: "bogus" as never })).rejects.toMatchObject({ field: "status" });
    // Only the leaf of the 30-day imported CA: a certificate never outlives its CA.
    const expiring = await listCertificates({ expiringWithinDays: 30 });
    expect(expiring.rows.map((r) => r.issuerName)).toEqual(["imported"]);
  });

  it("wrote an intact audit chain for all of it", async () => {
    expect(await verifyAuditLog(db())).toMatchObject({ ok: true });
  });
});

describe("group commit", () => {
  it("shares one transaction among concurrent requests, and a failing request neither blocks the others nor consumes a serial", async () => {
    const { csr } = opensslCsr("/CN=batch.example");
    const good = await requestFromCsr({ csr });
    // A request the signer refuses: an empty SAN list for a profile that requires one.
    const bad = { ...good, sans: [] };
    const before = (await db().issuer.findUniqueOrThrow({ where: { name: "ca-ec-p256" } })).nextSerial;
    const auditBefore = await db().auditEvent.count();
    const results = await Promise.allSettled([good, bad, good, good].map((r) => issueCertificate(admin, "ca-ec-p256", r)));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled", "fulfilled"]);
    const serials = results.flatMap((r) => (r.status === "fulfilled" ? [r.value.serial] : []));
    expect(serials).toEqual([before, before + 1n, before + 2n]);
    expect((await db().issuer.findUniqueOrThrow({ where: { name: "ca-ec-p256" } })).nextSerial).toBe(before + 3n);
    expect(await db().auditEvent.count()).toBe(auditBefore + 3);
    expect(await verifyAuditLog(db())).toMatchObject({ ok: true });
  });
});
