import { describe, expect, it } from "vitest";
import { db } from "../db";
import { createIssuer } from "../issuers/service";
import { pemEncode } from "../pki/pem";
import { createProfile, listProfiles, requestableProfiles } from "../profiles/service";
import { openssl, opensslCsr } from "../test/openssl";
import { issueCertificate } from "./issue";
import { requestFromCsr, requestWithGeneratedKey } from "./request";

const admin = { kind: "cli", name: "test", role: "administrator" } as const;
const operator = { kind: "user", name: "op@x", role: "operator" } as const;
const DAY = 86_400_000;
const days = (c: { notBefore: Date; notAfter: Date }) => (c.notAfter.getTime() - c.notBefore.getTime()) / DAY;
const csr = (cn: string, alg: "ec" | "rsa" = "ec") => opensslCsr(`/CN=${cn}`, alg).csr;
const lastAudit = async (targetId: string) => JSON.parse((await db().auditEvent.findFirstOrThrow({ where: { targetId }, orderBy: { seq: "desc" } })).after ?? "null");

describe("per-certificate validity", () => {
  it("takes an override up to the issuer's maximum and refuses one above it, naming validityDays and consuming no serial", async () => {
    await createIssuer(admin, { name: "v30", keyType: "ec-p256", certValidityDays: 30 });
    const c = await issueCertificate(admin, "v30", await requestFromCsr({ csr: csr("a.example"), sans: "DNS:a.example", validityDays: "10" }));
    expect(days(c)).toBe(10);
    expect(c.cappedAtCaExpiry).toBe(false);
    expect(await lastAudit(c.id)).toMatchObject({ validityDays: 10 });
    await expect(issueCertificate(admin, "v30", await requestFromCsr({ csr: csr("b.example"), sans: "DNS:b.example", validityDays: 31 }))).rejects.toMatchObject({
      field: "validityDays",
      message: expect.stringMatching(/at most 30 days.*issuer "v30"/),
    });
    const d = await issueCertificate(admin, "v30", await requestFromCsr({ csr: csr("c.example"), sans: "DNS:c.example" }));
    expect(d.serial).toBe(c.serial + 1n); // the refused one took no serial
    expect(days(d)).toBe(30);
    await expect(requestFromCsr({ csr: csr("d.example"), validityDays: "0" })).rejects.toMatchObject({ field: "validityDays" });
    await expect(requestFromCsr({ csr: csr("d.example"), validityDays: "1.5" })).rejects.toMatchObject({ field: "validityDays" });
  });

  it("never outlives the CA: an explicit validity that would is refused, the default is capped and says so", async () => {
    const t0 = new Date(Math.floor(Date.now() / 1000) * 1000);
    const ca = await createIssuer(admin, { name: "short", keyType: "ec-p256", validityDays: 20, certValidityDays: 20 }, { now: t0 });
    const later = new Date(t0.getTime() + 10 * DAY + 30_000); // just past ten days into the CA's twenty: 9 whole days left
    await expect(issueCertificate(admin, "short", await requestFromCsr({ csr: csr("x.example"), sans: "DNS:x.example", validityDays: 15 }), { now: later })).rejects.toMatchObject({
      field: "validityDays",
      message: expect.stringMatching(/15 days would outlive the CA "short", which expires on \d{4}-\d\d-\d\d; at most 9 days/),
    });
    const ok = await issueCertificate(admin, "short", await requestFromCsr({ csr: csr("y.example"), sans: "DNS:y.example", validityDays: 9 }), { now: later });
    expect(ok.cappedAtCaExpiry).toBe(false);
    const capped = await issueCertificate(admin, "short", await requestFromCsr({ csr: csr("z.example"), sans: "DNS:z.example" }), { now: later });
    expect(capped.cappedAtCaExpiry).toBe(true);
    expect(capped.notAfter.getTime()).toBe(ca.notAfter.getTime());
    expect(await lastAudit(capped.id)).toMatchObject({ cappedAtCaExpiry: true });
    expect(await lastAudit(ok.id)).not.toHaveProperty("cappedAtCaExpiry");
  });

  it("refuses, at issuer creation, a certificate validity longer than the CA's own; a default one is shortened", async () => {
    await expect(createIssuer(admin, { name: "c1", keyType: "ec-p256", validityDays: 100, certValidityDays: 200 })).rejects.toMatchObject({
      field: "certValidityDays",
      message: expect.stringContaining("longer than the CA's own validity (100 days)"),
    });
    expect(await db().issuer.count({ where: { name: "c1" } })).toBe(0);
    expect((await createIssuer(admin, { name: "c2", keyType: "ec-p256", validityDays: 100 })).certValidityDays).toBe(100);
    expect((await createIssuer(admin, { name: "c3", keyType: "ec-p256", validityDays: 100, certValidityDays: 100 })).certValidityDays).toBe(100);
  });
});

describe("custom profiles", () => {
  const smime = { name: "smime", description: "S/MIME signing", keyUsage: "digitalSignature, nonRepudiation, keyEncipherment", extKeyUsage: ["emailProtection", "clientAuth"], maxValidityDays: "20" };

  it.each([
    ["a CA key usage", { keyUsage: "digitalSignature,keyCertSign" }, "keyUsage", /make a CA/],
    ["the repository marker", { extKeyUsage: "serverAuth,rootlineRepository" }, "extKeyUsage", /Rootline's own/],
    ["an unknown usage", { keyUsage: "digitalSignature,teleportation" }, "keyUsage", /unknown key usage/],
    ["no EKU", { extKeyUsage: "" }, "extKeyUsage", /at least one/],
    ["a built-in name", { name: "repository" }, "name", /built-in/],
    ["a bad name", { name: "S MIME" }, "name", /lower-case/],
    ["no maximum", { maxValidityDays: "" }, "maxValidityDays", /at least one day/],
    ["SAN required but not allowed", { requiresSan: true, allowsSan: false }, "allowsSan", /must allow/],
    ["decipherOnly without keyAgreement", { keyUsage: "digitalSignature,decipherOnly" }, "keyUsage", /need keyAgreement/],
  ])("refuses %s (field %s)", async (_what, extra, field, message) => {
    await expect(createProfile(admin, { ...smime, name: "x-" + field.toLowerCase(), ...extra })).rejects.toMatchObject({ field, message: expect.stringMatching(message) });
  });

  it("is for administrators only, audited, unique by name, listed with the built-in ones; internal ones stay internal", async () => {
    await expect(createProfile(operator, smime)).rejects.toThrow(/profiles:manage/);
    const p = await createProfile(admin, smime);
    expect(p).toMatchObject({ name: "smime", isCa: false, custom: true, maxValidityDays: 20, keyUsage: { ec: ["digitalSignature", "nonRepudiation"], rsa: ["digitalSignature", "nonRepudiation", "keyEncipherment"] } });
    await expect(createProfile(admin, smime)).rejects.toMatchObject({ field: "name", status: 409 });
    expect(await lastAudit("smime")).toMatchObject({ name: "smime", keyUsage: ["digitalSignature", "nonRepudiation", "keyEncipherment"], extKeyUsage: ["emailProtection", "clientAuth"], maxValidityDays: 20 });
    expect((await listProfiles()).map((x) => x.name)).toEqual(["server", "client", "both", "proxy", "repository", "ocsp", "ca", "smime"]);
    expect((await requestableProfiles()).map((x) => x.name)).toEqual(["server", "client", "both", "proxy", "smime"]);
    await expect(requestFromCsr({ csr: csr("r.example"), profile: "repository" })).rejects.toMatchObject({ field: "profile", message: expect.stringContaining("Rootline itself only") });
    await expect(requestFromCsr({ csr: csr("r.example"), profile: "nope" })).rejects.toMatchObject({ field: "profile", message: expect.stringMatching(/expected one of server, client, both, proxy, smime$/) });
  });

  it("issues with a custom profile: its KU per key family and EKUs as OpenSSL reads them, bounded by its maximum", async () => {
    await createIssuer(admin, { name: "prof-ca", keyType: "ec-p256", certValidityDays: 396 });
    if (!(await db().certificateProfile.count({ where: { name: "smime" } }))) await createProfile(admin, smime);
    const ec = await issueCertificate(admin, "prof-ca", await requestFromCsr({ csr: csr("alice", "ec"), profile: "smime", validityDays: 7 }));
    expect(ec.profile).toBe("smime");
    expect(days(ec)).toBe(7);
    const ecText = openssl(["x509", "-noout", "-text"], pemEncode("CERTIFICATE", ec.der)).stdout;
    expect(ecText).toMatch(/X509v3 Key Usage: critical\n\s+Digital Signature, Non Repudiation\n/);
    expect(ecText).toMatch(/X509v3 Extended Key Usage: \n\s+E-mail Protection, TLS Web Client Authentication\n/);
    expect(ecText).toMatch(/CA:FALSE/);
    const rsa = await issueCertificate(admin, "prof-ca", await requestWithGeneratedKey({ subject: { CN: "bob" }, keyType: "rsa-2048", profile: "smime" }));
    expect(days(rsa)).toBe(20); // the profile's maximum, below the issuer's 396
    expect(openssl(["x509", "-noout", "-text"], pemEncode("CERTIFICATE", rsa.der)).stdout).toMatch(/X509v3 Key Usage: critical\n\s+Digital Signature, Non Repudiation, Key Encipherment\n/);
    await expect(issueCertificate(admin, "prof-ca", await requestFromCsr({ csr: csr("carol"), profile: "smime", validityDays: 21 }))).rejects.toMatchObject({
      field: "validityDays",
      message: expect.stringContaining("the maximum of the smime profile"),
    });
  });

  it("refuses a key family the profile's usages do not fit", async () => {
    await createProfile(admin, { ...smime, name: "rsa-only", keyUsage: "keyEncipherment" });
    await expect(requestFromCsr({ csr: csr("e"), profile: "rsa-only" })).rejects.toMatchObject({ field: "csr", message: expect.stringContaining("no key usage that applies") });
  });
});
