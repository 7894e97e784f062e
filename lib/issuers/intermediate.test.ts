import { describe, expect, it } from "vitest";
import { certificateChainPem, issueCertificate } from "../certificates";
import { requestWithGeneratedKey } from "../certificates/request";
import { db } from "../db";
import { parseCertificateDer } from "../pki/certificate";
import { pemEncode } from "../pki/pem";
import { currentCrl } from "../revocation/crlStore";
import { renewGeneratedKey } from "../revocation/renewal";
import { startRevocation } from "../revocation/prefix";
import { revocationInfoDer } from "../repository/documents";
import { applySigned } from "../device/update";
import { emptyState, trust } from "../device/state";
import { judgeServerCertificate } from "../device/judge";
import { openssl, opensslOk, tempDir } from "../test/pki";
import { hierarchyOrder, setIssuerPublicUrl } from "./intermediate";
import { createIssuer, listIssuers } from "./service";

const admin = { kind: "cli", name: "test", role: "administrator" } as const;
const tmp = tempDir();

const leafOf = async (issuer: string, sans: string, cn = "gw-1") =>
  issueCertificate(admin, issuer, await requestWithGeneratedKey({ subject: { CN: cn }, keyType: "ec-p256", profile: "server", sans }));
const text = (der: Uint8Array) => opensslOk(["x509", "-noout", "-text"], pemEncode("CERTIFICATE", der));
const pemFile = (name: string, ders: Uint8Array[]) => tmp.write(name, ders.map((d) => pemEncode("CERTIFICATE", d)).join(""));
const certOf = async (name: string) => (await db().issuer.findUniqueOrThrow({ where: { name } })).certificateDer;

describe("intermediate CAs", async () => {
  const root = await createIssuer(admin, { name: "corp-root", keyType: "ec-p384", validityDays: 3650, publicUrl: "https://pki.example/" });
  const inter = await createIssuer(admin, { name: "corp-devices", keyType: "ec-p256", validityDays: 1000, parent: "corp-root", pathLength: "0", permittedDns: ["devices.example"] });

  it("is signed by its parent, with the parent's path length, name constraints and pointers", () => {
    const c = parseCertificateDer(inter.certificateDer);
    const r = parseCertificateDer(root.certificateDer);
    expect(Buffer.from(c.issuerDer)).toEqual(Buffer.from(r.subjectDer));
    expect(c.authorityKeyId).toBe(r.subjectKeyId);
    expect(c.serial >= 2n ** 62n).toBe(true); // never one of the parent's counter serials
    expect(inter.parentId).toBe(root.id);
    expect(inter.publicUrl).toBe("https://pki.example"); // inherited, normalised
    const t = text(inter.certificateDer);
    expect(t).toMatch(/CA:TRUE, pathlen:0/);
    // DNS only permitted: every IP is excluded (RFC 5280 leaves an unlisted type open).
    expect(t).toMatch(/Name Constraints: critical\s+Permitted:\s+DNS:devices.example\s+Excluded:\s+IP:0.0.0.0\/0.0.0.0\s+IP:0:0:0:0:0:0:0:0\/0:0:0:0:0:0:0:0/);
    expect(t).toMatch(/CRL Distribution Points:\s+Full Name:\s+URI:https:\/\/pki.example\/api\/repository\/corp-root\/crl/);
    expect(t).toMatch(/CA Issuers - URI:https:\/\/pki.example\/api\/repository\/corp-root\/ca.crt/);
    expect(t).toMatch(/OCSP - URI:https:\/\/pki.example\/ocsp\/corp-root/);
    expect(text(root.certificateDer)).not.toMatch(/CRL Distribution|Authority Information Access/); // a root points nowhere
  });

  it("issues a leaf whose chain (leaf, intermediate, root) OpenSSL verifies, with CDP/AIA of the intermediate", async () => {
    const leaf = await leafOf("corp-devices", "DNS:gw-1.devices.example");
    const chain = await certificateChainPem(admin, "corp-devices", leaf.serial);
    expect(chain.match(/BEGIN CERTIFICATE/g)).toHaveLength(3);
    expect(chain.startsWith(pemEncode("CERTIFICATE", leaf.der))).toBe(true);
    const r = openssl(["verify", "-CAfile", pemFile("root.pem", [root.certificateDer]), "-untrusted", pemFile("inter.pem", [inter.certificateDer]), tmp.write("leaf.pem", pemEncode("CERTIFICATE", leaf.der))]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/leaf.pem: OK/);
    const t = text(leaf.der);
    expect(t).toMatch(/URI:https:\/\/pki.example\/api\/repository\/corp-devices\/crl/);
    expect(t).toMatch(/CA Issuers - URI:https:\/\/pki.example\/api\/repository\/corp-devices\/ca.crt/);
    expect(t).toMatch(/OCSP - URI:https:\/\/pki.example\/ocsp\/corp-devices/);
  });

  it("refuses a name outside the intermediate's constraints, naming the field, and stores nothing", async () => {
    const before = await db().certificate.count();
    await expect(leafOf("corp-devices", "DNS:gw.other.example")).rejects.toMatchObject({ field: "san", message: expect.stringMatching(/outside the names the CA "corp-devices" may certify/) });
    await expect(leafOf("corp-devices", "IP:10.0.0.1")).rejects.toMatchObject({ field: "san" });
    expect(await db().certificate.count()).toBe(before);
  });

  it("four levels: a length-1 intermediate signs a narrower one, and OpenSSL verifies through both", async () => {
    await createIssuer(admin, { name: "l1", keyType: "ec-p256", validityDays: 900, parent: "corp-root", pathLength: 1, permittedDns: "example.net", permittedIp: "10.0.0.0/8" });
    const l2 = await createIssuer(admin, { name: "l2", keyType: "rsa-2048", validityDays: 800, parent: "l1", permittedDns: ".site.example.net" });
    expect(parseCertificateDer(l2.certificateDer).pathLen).toBe(0); // one less than the parent's
    expect(text(l2.certificateDer)).toMatch(/Permitted:\s+DNS:.site.example.net\s+IP:10.0.0.0\/255.0.0.0/); // IPs inherited
    const leaf = await leafOf("l2", "DNS:a.site.example.net, IP:10.2.3.4");
    const chain = await certificateChainPem(admin, "l2", leaf.serial);
    expect(chain.match(/BEGIN CERTIFICATE/g)).toHaveLength(4);
    const r = openssl(["verify", "-CAfile", pemFile("root4.pem", [root.certificateDer]), "-untrusted", pemFile("mid4.pem", [l2.certificateDer, await certOf("l1")]), tmp.write("leaf4.pem", pemEncode("CERTIFICATE", leaf.der))]);
    expect(r.stdout).toMatch(/: OK/);
    // No validity given: the default (20 years) would outlive the parent, so it ends with the parent.
    const capped = await createIssuer(admin, { name: "capped", keyType: "ec-p256", parent: "l1", pathLength: 0 });
    expect(capped.notAfter).toEqual((await db().issuer.findUniqueOrThrow({ where: { name: "l1" } })).notAfter);
    expect(parseCertificateDer(capped.certificateDer).notAfter).toEqual(capped.notAfter);
  });

  it.each([
    ["an unknown parent", { parent: "nope" }, "parent", /nope/],
    ["a parent of path length 0", { parent: "corp-devices" }, "parent", /path length 0/],
    ["a path length not below the parent's", { parent: "l1", pathLength: 1 }, "pathLength", /at most 0/],
    ["a validity beyond the parent's", { parent: "l1", pathLength: 0, validityDays: 5000 }, "validityDays", /outlive its parent/],
    ["names outside the parent's", { parent: "l1", permittedDns: "example.org" }, "permittedDns", /outside the parent/],
    ["constraints on a root", { permittedDns: "example.org" }, "permittedDns", /intermediate/],
    ["a bad public URL", { parent: "corp-root", publicUrl: "ftp://x" }, "publicUrl", /http/],
  ])("refuses %s, naming the field", async (_what, extra, field, message) => {
    const before = await db().issuer.count();
    await expect(createIssuer(admin, { name: "refused", keyType: "ec-p256", validityDays: 100, ...extra })).rejects.toMatchObject({ field, message: expect.stringMatching(message) });
    expect(await db().issuer.count()).toBe(before);
  });

  it("refuses a revoked parent (and any CA below a revoked one)", async () => {
    await createIssuer(admin, { name: "doomed", keyType: "ec-p256", validityDays: 500, parent: "corp-root", pathLength: 1 });
    await createIssuer(admin, { name: "doomed-child", keyType: "ec-p256", validityDays: 400, parent: "doomed" });
    await db().issuer.update({ where: { name: "doomed" }, data: { generationRevokedAt: new Date(), generationRevokedReason: "keyCompromise" } });
    await expect(createIssuer(admin, { name: "x1", keyType: "ec-p256", validityDays: 100, parent: "doomed" })).rejects.toMatchObject({ field: "parent", message: expect.stringMatching(/"doomed" was revoked/) });
  });

  it("revocation works per intermediate: its own RN, its own CRL (signed by it), renewals signed by it", async () => {
    const a = await leafOf("corp-devices", "DNS:a.devices.example", "a");
    const b = await leafOf("corp-devices", "DNS:b.devices.example", "b");
    const rootRn = (await db().issuer.findUniqueOrThrow({ where: { name: "corp-root" } })).revocationNumber;
    await startRevocation(admin, { issuer: "corp-devices", serial: a.serial, reason: "keyCompromise", order: "raise-first" });
    const after = await db().issuer.findUniqueOrThrow({ where: { name: "corp-devices" } });
    expect(after.revocationNumber).toBe(a.serial + 1n);
    expect((await db().issuer.findUniqueOrThrow({ where: { name: "corp-root" } })).revocationNumber).toBe(rootRn);
    const crl = await currentCrl("corp-devices");
    const crlFile = tmp.write("inter.crl", pemEncode("X509 CRL", crl.der));
    const out = opensslOk(["crl", "-in", crlFile, "-CAfile", pemFile("inter-ca.pem", [inter.certificateDer]), "-noout", "-text"]);
    expect(openssl(["crl", "-in", crlFile, "-CAfile", pemFile("inter-ca2.pem", [inter.certificateDer]), "-noout", "-verify"]).stderr).toMatch(/verify OK/);
    expect(out).toMatch(/Issuer: CN\s?=\s?corp-devices/);
    expect(out).toContain(`Serial Number: ${a.serial.toString(16).toUpperCase().padStart(2, "0")}`);
    // The renewal of the revoked certificate is signed by the intermediate and verifies through the chain.
    const renewed = await renewGeneratedKey(admin, { issuer: "corp-devices", serial: a.serial });
    const r = openssl(["verify", "-CAfile", pemFile("root-r.pem", [root.certificateDer]), "-untrusted", pemFile("inter-r.pem", [inter.certificateDer]), tmp.write("renewed.pem", pemEncode("CERTIFICATE", renewed.replacement.der))]);
    expect(r.stdout).toMatch(/: OK/);
    expect(b.serial).toBeGreaterThan(a.serial);
    // A device that trusts the intermediate (its ca.crt, not self-signed) applies its signed RN and judges by it.
    let device = trust(emptyState(), inter.certificateDer, "corp-devices").state;
    expect(await judgeServerCertificate(device, a.der)).toMatchObject({ valid: true });
    device = applySigned(device, (await revocationInfoDer("corp-devices")).body, "corp-devices").state;
    expect(await judgeServerCertificate(device, a.der)).toMatchObject({ valid: false, code: "revoked" });
    expect(await judgeServerCertificate(device, b.der)).toMatchObject({ valid: true });
  });

  it("the public URL can be set and cleared; new certificates follow, audited", async () => {
    await setIssuerPublicUrl(admin, "corp-devices", "http://repo.example:8443/api/repository");
    const withUrl = await leafOf("corp-devices", "DNS:c.devices.example", "c");
    expect(text(withUrl.der)).toMatch(/URI:http:\/\/repo.example:8443\/api\/repository\/corp-devices\/crl/);
    await setIssuerPublicUrl(admin, "corp-devices", "");
    const without = await leafOf("corp-devices", "DNS:d.devices.example", "d");
    expect(text(without.der)).not.toMatch(/CRL Distribution|Authority Information Access/);
    const events = await db().auditEvent.findMany({ where: { action: "issuer.update" }, orderBy: { seq: "desc" } });
    expect(events.map((e) => [JSON.parse(e.before ?? "null"), JSON.parse(e.after ?? "null")]).slice(0, 2)).toEqual([
      [{ publicUrl: "http://repo.example:8443/api/repository" }, { publicUrl: null }],
      [{ publicUrl: "https://pki.example" }, { publicUrl: "http://repo.example:8443/api/repository" }],
    ]);
  });

  it("lists issuers as a tree: roots, each followed by its children", async () => {
    const order = hierarchyOrder(await listIssuers()).filter((i) => ["corp-root", "corp-devices", "l1", "l2", "capped", "doomed", "doomed-child"].includes(i.name));
    expect(order.map((i) => `${"  ".repeat(i.depth)}${i.name}`)).toEqual(["corp-root", "  corp-devices", "  doomed", "    doomed-child", "  l1", "    capped", "    l2"]);
  });
});
