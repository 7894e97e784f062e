import { describe, expect, it } from "vitest";
import { verifyAuditLog } from "../audit";
import { issueCertificate } from "../certificates/issue";
import { requestFromCsr } from "../certificates/request";
import { db } from "../db";
import { createIssuer } from "../issuers/service";
import { addDays } from "../issuers/validity";
import { parseCrl } from "../pki/crl";
import { toKeyObject } from "../pki/keys";
import { pemEncode } from "../pki/pem";
import { signWith } from "../pki/signature";
import { makeCsr } from "../test/csr";
import { currentCrl } from "./crlStore";
import { completeRevocation, startRevocation } from "./prefix";
import { pendingRenewal, renewCertificate, renewWithProof, renewWithToken } from "./renewal";
import { revocationStatus } from "./status";
import { runSweep } from "./sweep";

const op = { kind: "user", name: "op@x", role: "operator" } as const;
const admin = { kind: "cli", name: "t", role: "administrator" } as const;
const T0 = new Date();

async function issue(issuer: string, cn: string, keys?: CryptoKeyPair) {
  const csr = await makeCsr(cn, keys);
  const cert = await issueCertificate(op, issuer, await requestFromCsr({ csr: csr.pem }));
  return { cert, keys: csr.keys };
}

/** What a holder (or a thief with its key) sends: the current certificate and a signature over the new CSR. */
async function proofRequest(issuer: string, held: Awaited<ReturnType<typeof issue>>, cn: string) {
  const csr = await makeCsr(cn);
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", held.keys.privateKey));
  return { issuer, certificate: pemEncode("CERTIFICATE", held.cert.der), signature: signWith(toKeyObject(pkcs8), "ec-p256", csr.der), csr: csr.der };
}

const renewEvents = async (certId: string) => (await db().auditEvent.findMany({ where: { action: "certificate.renew", targetId: certId } })).map((e) => JSON.parse(e.after!));

describe("renewal after a compromise: the stolen key cannot renew", () => {
  it("refuses the thief's signed request (403, naming the reason), keeps the request open, and the genuine holder's token still works", async () => {
    await createIssuer(admin, { name: "stolen", keyType: "ec-p256" });
    const a = await issue("stolen", "a.example");
    const s = await issue("stolen", "s.example");
    const r = await startRevocation(op, { issuer: "stolen", serial: 2n, reason: "keyCompromise", order: "raise-first" });
    const tokenS = r.tokens.find((t) => t.serial === 2n)!.token;
    const certsBefore = await db().certificate.count();

    // The thief has S's key and certificate: a perfectly valid proof of possession.
    await expect(renewWithProof(await proofRequest("stolen", s, "s.example"))).rejects.toMatchObject({ field: "signature", status: 403, message: expect.stringMatching(/revoked for keyCompromise.*token/) });
    expect(await db().certificate.count()).toBe(certsBefore);
    expect((await revocationStatus("stolen")).pending[0].awaiting).toEqual([1n, 2n]);

    // A collateral holder's key is not in doubt: it may still renew by proof of possession.
    const ra = await renewWithProof(await proofRequest("stolen", a, "a.example"));
    expect(ra.replacement.serial).toBe(3n);

    // The genuine holder of S renews with its out-of-band token.
    const rs = await renewWithToken({ token: tokenS, issuer: "stolen", serial: 2n, csr: (await makeCsr("s.example")).pem });
    expect(rs.replacement.serial).toBe(4n);
    expect(rs.completed).toHaveLength(1);

    // The row and the audit log say how each was authenticated.
    const rows = await db().renewalRequest.findMany({ where: { revocationId: r.id }, orderBy: { serial: "asc" } });
    expect(rows.map((x) => [x.serial, x.status, x.renewedVia])).toEqual([[1n, "renewed", "proof-of-possession"], [2n, "renewed", "token"]]);
    expect(await renewEvents(ra.replacement.id)).toMatchObject([{ replaces: a.cert.id, via: "proof-of-possession" }]);
    expect(await renewEvents(rs.replacement.id)).toMatchObject([{ replaces: s.cert.id, via: "token" }]);
  });

  it("refuses proof for every reason that distrusts the key or identity, and for another certificate with the same key", async () => {
    await createIssuer(admin, { name: "reasons", keyType: "ec-p256" });
    const twin = await issue("reasons", "twin.example"); // 1: same key as 2 (key reuse)
    const reused = await issue("reasons", "reused.example", twin.keys); // 2
    await startRevocation(op, { issuer: "reasons", serial: 2n, reason: "cACompromise", order: "renew-first" });
    await expect(renewWithProof(await proofRequest("reasons", reused, "reused.example"))).rejects.toMatchObject({ status: 403, message: expect.stringContaining("cACompromise") });
    // Serial 1 was not revoked itself, but its key is the compromised one.
    await expect(renewWithProof(await proofRequest("reasons", twin, "twin.example"))).rejects.toMatchObject({ status: 403, message: expect.stringContaining("also the key of serial 2") });
    // An operator can still renew both by hand.
    expect((await renewCertificate(op, { issuer: "reasons", serial: 1n, csr: (await makeCsr("twin.example")).pem })).replacement.serial).toBe(3n);
    const byHand = await renewCertificate(op, { issuer: "reasons", serial: 2n, csr: (await makeCsr("reused.example")).pem });
    expect(await renewEvents(byHand.replacement.id)).toMatchObject([{ via: "operator" }]);

    for (const [i, reason] of (["affiliationChanged", "privilegeWithdrawn", "aACompromise"] as const).entries()) {
      const h = await issue("reasons", `${reason.toLowerCase()}.example`);
      await startRevocation(op, { issuer: "reasons", serial: h.cert.serial, reason, order: "renew-first" });
      await expect(renewWithProof(await proofRequest("reasons", h, `${reason.toLowerCase()}.example`)), `${i}`).rejects.toMatchObject({ status: 403, message: expect.stringContaining(reason) });
    }
  });

  it("a holder whose certificate was merely superseded renews by proof of possession", async () => {
    await createIssuer(admin, { name: "benign", keyType: "ec-p256" });
    const h = await issue("benign", "h.example");
    await startRevocation(op, { issuer: "benign", serial: 1n, reason: "superseded", order: "renew-first" });
    const r = await renewWithProof(await proofRequest("benign", h, "h.example"));
    expect(r.replacement.serial).toBe(2n);
    expect(r.completed).toHaveLength(1);
  });
});

describe("renewal requests close with their revocation", () => {
  it("forced completion closes the awaited requests: their tokens fail, the public check says nothing is pending", async () => {
    await createIssuer(admin, { name: "closing", keyType: "ec-p256" });
    for (const n of ["x", "y"]) await issue("closing", `${n}.example`);
    const r = await startRevocation(op, { issuer: "closing", serial: 2n, reason: "unspecified", order: "renew-first" });
    const [t1, t2] = r.tokens.map((t) => t.token);
    await renewWithToken({ token: t1, csr: (await makeCsr("x.example")).pem });
    expect(await pendingRenewal("closing", 2n)).not.toBeNull();
    await completeRevocation(op, { issuer: "closing", serial: 2n, force: true });
    const rows = await db().renewalRequest.findMany({ where: { revocationId: r.id }, orderBy: { serial: "asc" } });
    expect(rows.map((x) => [x.serial, x.status, x.tokenHash])).toEqual([[1n, "renewed", null], [2n, "closed", null]]);
    await expect(renewWithToken({ token: t2, csr: (await makeCsr("y.example")).pem })).rejects.toMatchObject({ field: "token", status: 401 });
    await expect(renewCertificate(op, { issuer: "closing", serial: 2n, csr: (await makeCsr("y.example")).pem })).rejects.toMatchObject({ status: 409 });
    expect(await pendingRenewal("closing", 2n)).toBeNull();
    const complete = await db().auditEvent.findFirstOrThrow({ where: { action: "revocation.complete", targetId: r.id } });
    expect(JSON.parse(complete.after!)).toMatchObject({ serial: "2", forced: true, closed: 1 });
  });

  it("a passed deadline closes the requests at once, and the sweep completes and closes them for good", async () => {
    await createIssuer(admin, { name: "late", keyType: "ec-p256" });
    await issue("late", "l.example");
    const r = await startRevocation(op, { issuer: "late", serial: 1n, reason: "superseded", order: "renew-first", deadline: addDays(T0, 2), now: T0 });
    const token = r.tokens[0].token;
    await expect(renewWithToken({ token, csr: (await makeCsr("l.example")).pem, now: addDays(T0, 3) })).rejects.toMatchObject({ status: 409, message: expect.stringContaining("deadline") });
    const [sweep] = await runSweep({ issuer: "late", now: addDays(T0, 3) });
    expect(sweep.deadlinesPassed).toEqual([1n]);
    expect((await db().renewalRequest.findFirstOrThrow({ where: { revocationId: r.id } })).status).toBe("closed");
    await expect(renewWithToken({ token, csr: (await makeCsr("l.example")).pem, now: addDays(T0, 3) })).rejects.toMatchObject({ field: "token", status: 401 });
  });
});

describe("reasons a revocation may start with", () => {
  it("refuses removeFromCRL (delta CRLs only) and certificateHold, so the CRL stays buildable", async () => {
    await createIssuer(admin, { name: "delta", keyType: "ec-p256" });
    await issue("delta", "d.example");
    await expect(startRevocation(op, { issuer: "delta", serial: 1n, reason: "removeFromCRL", order: "renew-first" })).rejects.toMatchObject({ field: "reason", status: 400, message: expect.stringContaining("delta CRLs") });
    await expect(startRevocation(op, { issuer: "delta", serial: 1n, reason: "certificateHold", order: "renew-first" })).rejects.toMatchObject({ field: "reason", status: 400 });
    expect(await db().revocation.count({ where: { issuer: { name: "delta" } } })).toBe(0);
    expect(parseCrl((await currentCrl("delta")).der).entries).toEqual([]);
  });

  it("kept the audit chain intact", async () => {
    expect(await verifyAuditLog(db())).toMatchObject({ ok: true });
  });
});
