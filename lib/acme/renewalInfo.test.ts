import { describe, expect, it } from "vitest";
import { issueCertificate } from "../certificates/issue";
import { requestFromCsr } from "../certificates/request";
import { db } from "../db";
import { createIssuer } from "../issuers/service";
import { pemDecodeAll } from "../pki/pem";
import { startRevocation } from "../revocation/prefix";
import { renewCertificate } from "../revocation/renewal";
import { runSweep } from "../revocation/sweep";
import { makeCsr } from "../test/csr";
import { x509 } from "../test/x509";
import { AcmeProblem } from "./problem";
import { certIdOf, certificateForCertId, renewalInfoFor, RETRY_AFTER_PENDING_SECONDS, RETRY_AFTER_SECONDS, suggestedWindow } from "./renewalInfo";

const admin = { kind: "cli", name: "t", role: "administrator" } as const;
const H = 3600_000;
const D = 24 * H;

/** RFC 9773 Appendix A, and the identifier section 4.1 derives from it. */
const RFC9773_CERT = `-----BEGIN CERTIFICATE-----
MIIBQzCB66ADAgECAgUAh2VDITAKBggqhkjOPQQDAjAVMRMwEQYDVQQDEwpFeGFt
cGxlIENBMCIYDzAwMDEwMTAxMDAwMDAwWhgPMDAwMTAxMDEwMDAwMDBaMBYxFDAS
BgNVBAMTC2V4YW1wbGUuY29tMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEeBZu
7cbpAYNXZLbbh8rNIzuOoqOOtmxA1v7cRm//AwyMwWxyHz4zfwmBhcSrf47NUAFf
qzLQ2PPQxdTXREYEnKMjMCEwHwYDVR0jBBgwFoAUaYhba4dGQEHhs3uEe6CuLN4B
yNQwCgYIKoZIzj0EAwIDRwAwRAIge09+S5TZAlw5tgtiVvuERV6cT4mfutXIlwTb
+FYN/8oCIClDsqBklhB9KAelFiYt9+6FDj3z4KGVelYM5MdsO3pK
-----END CERTIFICATE-----`;

async function issue(issuer: string, cn: string) {
  const csr = await makeCsr(cn);
  return issueCertificate(admin, issuer, await requestFromCsr({ csr: csr.pem, sans: [`DNS:${cn}`] }));
}

async function problemOf(p: Promise<unknown>) {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(AcmeProblem);
  return e as AcmeProblem;
}

describe("certIdOf (RFC 9773 4.1)", () => {
  it("gives RFC 9773's own identifier for its example certificate", () => {
    expect(certIdOf(pemDecodeAll(RFC9773_CERT, "certificate")[0].der)).toBe("aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");
  });

  it("agrees with an independent parser on a certificate Rootline issued", async () => {
    await createIssuer(admin, { name: "ari-id", keyType: "ec-p256" });
    const cert = await issue("ari-id", "id.rootline.test");
    const parsed = new x509.X509Certificate(cert.der);
    const aki = parsed.getExtension(x509.AuthorityKeyIdentifierExtension)!.keyId!;
    const [akiPart, serialPart] = certIdOf(cert.der).split(".");
    expect(Buffer.from(akiPart, "base64url").toString("hex")).toBe(aki.toLowerCase());
    expect(BigInt(`0x${Buffer.from(serialPart, "base64url").toString("hex")}`)).toBe(cert.serial);
  });
});

describe("suggestedWindow", () => {
  const nb = new Date("2026-01-01T00:00:00Z");
  const na = new Date(nb.getTime() + 90 * D);
  const now = new Date(nb.getTime() + 10 * D);
  const table: [string, { status: string }, { deadline: Date | null } | null, Date, Date][] = [
    ["normal: the last third, a day before expiry", { status: "valid" }, null, new Date(nb.getTime() + 60 * D), new Date(na.getTime() - D)],
    ["renewal request open: from just before now for an hour", { status: "valid" }, { deadline: null }, new Date(now.getTime() - 5 * 60_000), new Date(now.getTime() + H)],
    ["renewal request with a deadline sooner than an hour", { status: "valid" }, { deadline: new Date(now.getTime() + 10 * 60_000) }, new Date(now.getTime() - 5 * 60_000), new Date(now.getTime() + 10 * 60_000)],
    ["renewal request with a far deadline", { status: "valid" }, { deadline: new Date(now.getTime() + 5 * D) }, new Date(now.getTime() - 5 * 60_000), new Date(now.getTime() + H)],
    ["revoked: in the past", { status: "revoked" }, null, new Date(now.getTime() - 2 * H), new Date(now.getTime() - H)],
    ["superseded: in the past", { status: "superseded" }, { deadline: null }, new Date(now.getTime() - 2 * H), new Date(now.getTime() - H)],
  ];
  it.each(table)("%s", (_what, c, pending, start, end) => {
    const w = suggestedWindow({ notBefore: nb, notAfter: na, ...c }, pending, now);
    expect(w).toEqual({ start, end });
    expect(w.end.getTime()).toBeGreaterThan(w.start.getTime()); // RFC 9773 4.2: end after start
  });

  it("a short-lived certificate keeps a window inside its validity", () => {
    const w = suggestedWindow({ notBefore: nb, notAfter: new Date(nb.getTime() + 12 * H), status: "valid" }, null, nb);
    expect(w).toEqual({ start: new Date(nb.getTime() + 8 * H), end: new Date(nb.getTime() + 11 * H) });
  });
});

describe("renewalInfoFor", () => {
  it("says 'renew now' for every certificate a renew-first prefix revocation waits for, and past for the revoked one", async () => {
    const ca = await createIssuer(admin, { name: "ari-ca", keyType: "ec-p256" });
    const certs = [];
    for (const n of ["a", "b", "c", "d"]) certs.push(await issue("ari-ca", `${n}.rootline.test`));
    const now = new Date();
    const normal = await renewalInfoFor(ca.id, certIdOf(certs[0].der), now);
    expect(normal.retryAfterSeconds).toBe(RETRY_AFTER_SECONDS);
    expect(new Date(normal.body.suggestedWindow.start).getTime()).toBeGreaterThan(now.getTime() + 100 * D);

    // Revoke serial of c as a prefix: a, b, c get renewal requests; d is above it.
    await startRevocation(admin, { issuer: "ari-ca", serial: certs[2].serial, reason: "superseded", order: "renew-first", now });
    const [a, b, c, d] = await Promise.all(certs.map((x) => renewalInfoFor(ca.id, certIdOf(x.der), now)));
    for (const due of [a, b]) {
      expect(new Date(due.body.suggestedWindow.start).getTime()).toBeLessThanOrEqual(now.getTime());
      expect(new Date(due.body.suggestedWindow.end).getTime()).toBeLessThanOrEqual(now.getTime() + H);
      expect(due.retryAfterSeconds).toBe(RETRY_AFTER_PENDING_SECONDS);
    }
    expect(new Date(c.body.suggestedWindow.end).getTime()).toBeLessThan(now.getTime()); // the revoked target
    expect(new Date(d.body.suggestedWindow.start).getTime()).toBeGreaterThan(now.getTime() + 100 * D); // not affected
    expect(d.retryAfterSeconds).toBe(RETRY_AFTER_PENDING_SECONDS); // but told to look again soon

    // Renewed: the old certificate is superseded (window past), its replacement normal.
    const renewed = await renewCertificate(admin, { issuer: "ari-ca", serial: certs[0].serial, csr: (await makeCsr("a.rootline.test")).pem, now });
    expect(new Date((await renewalInfoFor(ca.id, certIdOf(certs[0].der), now)).body.suggestedWindow.end).getTime()).toBeLessThan(now.getTime());
    expect(new Date((await renewalInfoFor(ca.id, certIdOf(renewed.replacement.der), now)).body.suggestedWindow.start).getTime()).toBeGreaterThan(now.getTime());
  });

  it("says 'renew now' when the expiry sweep asks for a renewal, with the deadline as the end when sooner", async () => {
    const ca = await createIssuer(admin, { name: "ari-sweep", keyType: "ec-p256", certValidityDays: "30" });
    const cert = await issue("ari-sweep", "sweep.rootline.test");
    // A month before expiry the sweep opens a renewal for it (deadline: its notAfter).
    const now = new Date(cert.notAfter.getTime() - 30 * 60_000);
    const [report] = await runSweep({ issuer: "ari-sweep", now });
    expect(report.opened?.awaiting).toEqual([cert.serial]);
    const info = await renewalInfoFor(ca.id, certIdOf(cert.der), now);
    expect(info.body.suggestedWindow).toEqual({ start: new Date(now.getTime() - 5 * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z"), end: cert.notAfter.toISOString().replace(/\.\d{3}Z$/, "Z") });
    expect(info.retryAfterSeconds).toBe(RETRY_AFTER_PENDING_SECONDS);
  });

  it("unknown identifiers are 404, malformed ones 400; certificateForCertId checks the AKI too", async () => {
    const ca = await createIssuer(admin, { name: "ari-404", keyType: "ec-p256" });
    const other = await createIssuer(admin, { name: "ari-404b", keyType: "ec-p256" });
    const cert = await issue("ari-404", "x.rootline.test");
    const id = certIdOf(cert.der);
    expect(await db().$transaction((tx) => certificateForCertId(tx, ca.id, id))).toEqual({ id: cert.id, serial: cert.serial });
    const theirs = await issue("ari-404b", "y.rootline.test");
    // Same serial under another CA's key identifier: not this certificate.
    const swapped = `${certIdOf(theirs.der).split(".")[0]}.${id.split(".")[1]}`;
    expect(await db().$transaction((tx) => certificateForCertId(tx, ca.id, swapped))).toBeNull();
    expect(await problemOf(renewalInfoFor(ca.id, swapped))).toMatchObject({ type: "malformed", status: 404 });
    expect(await problemOf(renewalInfoFor(other.id, id))).toMatchObject({ status: 404 });
    for (const bad of ["", "abc", "a.b.c", "aYhb=.AIdl", "aYhb.", "aYhb.AAE"]) {
      expect(await problemOf(renewalInfoFor(ca.id, bad)), bad).toMatchObject({ type: "malformed", status: 400 });
    }
  });
});
