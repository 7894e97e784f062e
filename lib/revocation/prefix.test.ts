import { describe, expect, it } from "vitest";
import { verifyAuditLog } from "../audit";
import { issueCertificate } from "../certificates/issue";
import { requestFromCsr } from "../certificates/request";
import { db } from "../db";
import { createIssuer } from "../issuers/service";
import { addDays } from "../issuers/validity";
import { parseCrl } from "../pki/crl";
import { makeCsr } from "../test/csr";
import { currentCrl } from "./crlStore";
import { completeRevocation, excludeFromRevocation, previewRevocation, startRevocation } from "./prefix";
import { renewCertificate, renewWithProof, renewWithToken } from "./renewal";
import { revocationStatus } from "./status";
import { runSweep } from "./sweep";
import { signWith } from "../pki/signature";
import { toKeyObject } from "../pki/keys";
import { pemEncode } from "../pki/pem";

const op = { kind: "user", name: "op@x", role: "operator" } as const;
const T0 = new Date();
const months = (n: number) => addDays(T0, Math.round(n * 30.4));

async function issue(issuer: string, cn: string, now = T0) {
  const csr = await makeCsr(cn);
  const cert = await issueCertificate(op, issuer, await requestFromCsr({ csr: csr.pem }), { now });
  return { cert, keys: csr.keys };
}

describe("prefix revocation: the seed's FIG. 19 at the CA", () => {
  const CA = "fig19";
  const held: Record<string, Awaited<ReturnType<typeof issue>>> = {};
  let tokenB = "";
  let tokenC = "";

  it("issues A, B, C, D with serials 1, 2, 3, 4 (the seed's 0..3 shifted by one: RFC 5280 serials are positive)", async () => {
    await createIssuer({ kind: "cli", name: "t", role: "administrator" }, { name: CA, keyType: "ec-p256", firstSerial: 1 });
    for (const n of ["a", "b", "c", "d"]) held[n] = await issue(CA, `${n}.example`);
    expect(Object.values(held).map((h) => h.cert.serial)).toEqual([1n, 2n, 3n, 4n]);
  });

  it("previews the compromise of C: A, B and C need replacements, RN will become 4", async () => {
    const p = await previewRevocation(CA, 3n);
    expect(p.affected.map((a) => a.serial)).toEqual([1n, 2n, 3n]);
    expect(p.newRevocationNumber).toBe(4n);
    expect(p.currentRevocationNumber).toBe(0n);
    expect(await db().renewalRequest.count()).toBe(0); // a preview writes nothing
  });

  it("revokes C renew-first: renewal requests go out, the RN waits", async () => {
    const r = await startRevocation(op, { issuer: CA, serial: 3n, reason: "keyCompromise", order: "renew-first" });
    expect(r.revocationNumber).toBe(0n);
    expect(r.awaiting).toEqual([1n, 2n, 3n]);
    expect(r.tokens.map((t) => t.serial)).toEqual([1n, 2n, 3n]);
    expect(await revocationStatus(CA)).toMatchObject({ revocationNumber: 0n, pending: [{ serial: 3n, awaiting: [1n, 2n, 3n] }] });
    await expect(completeRevocation(op, { issuer: CA, serial: 3n })).rejects.toMatchObject({ field: "serial", status: 409 });
    // C is on the CRL at once, with its reason.
    const crl = parseCrl((await currentCrl(CA)).der);
    expect(crl.entries.map((e) => [e.serial, e.reason])).toEqual([[3n, "keyCompromise"]]);
    tokenB = r.tokens.find((t) => t.serial === 2n)!.token;
    tokenC = r.tokens.find((t) => t.serial === 3n)!.token;
  });

  it("refuses bad renewals without changing anything", async () => {
    const before = await db().certificate.count();
    // the same key as the old certificate
    const same = await makeCsr("a.example", held.a.keys);
    await expect(renewCertificate(op, { issuer: CA, serial: 1n, csr: same.pem, now: months(6) })).rejects.toMatchObject({ field: "csr", message: expect.stringContaining("same public key") });
    // another subject
    await expect(renewCertificate(op, { issuer: CA, serial: 1n, csr: (await makeCsr("mallory.example")).pem, now: months(6) })).rejects.toMatchObject({ field: "csr", message: expect.stringContaining("mallory") });
    // D has no renewal request
    await expect(renewCertificate(op, { issuer: CA, serial: 4n, csr: (await makeCsr("d.example")).pem, now: months(6) })).rejects.toMatchObject({ field: "serial" });
    await expect(renewWithToken({ token: "rr_forged", csr: (await makeCsr("b.example")).pem })).rejects.toMatchObject({ field: "token", status: 401 });
    await expect(startRevocation(op, { issuer: CA, serial: 3n, reason: "keyCompromise", order: "renew-first" })).rejects.toMatchObject({ field: "serial", status: 409 });
    await expect(startRevocation(op, { issuer: CA, serial: 99n, reason: "keyCompromise", order: "renew-first" })).rejects.toMatchObject({ field: "serial", status: 404 });
    await expect(startRevocation(op, { issuer: CA, serial: 1n, reason: "stolen", order: "renew-first" })).rejects.toMatchObject({ field: "reason" });
    await expect(startRevocation(op, { issuer: CA, serial: 1n, reason: "keyCompromise", order: "later" })).rejects.toMatchObject({ field: "order" });
    await expect(startRevocation(op, { issuer: "nope", serial: 1n, reason: "keyCompromise", order: "renew-first" })).rejects.toMatchObject({ field: "issuer", status: 404 });
    expect(await db().certificate.count()).toBe(before);
  });

  it("A renews by operator, B with its token; C's compromised key cannot renew, C's token can; then RN = 4", async () => {
    const a = await renewCertificate(op, { issuer: CA, serial: 1n, csr: (await makeCsr("a.example")).pem, now: months(6) });
    expect(a.replacement.serial).toBe(5n);
    const b = await renewWithToken({ token: tokenB, csr: (await makeCsr("b.example")).pem, now: months(6) });
    expect(b.replacement.serial).toBe(6n);
    expect((await revocationStatus(CA)).revocationNumber).toBe(0n);
    const cNew = await makeCsr("c.example");
    const proof = signWith(toKeyObject(new Uint8Array(await crypto.subtle.exportKey("pkcs8", held.c.keys.privateKey))), "ec-p256", cNew.der);
    // C was revoked for keyCompromise: whoever holds its key may be the thief, so the key cannot authorize a replacement.
    await expect(renewWithProof({ issuer: CA, certificate: pemEncode("CERTIFICATE", held.c.cert.der), signature: proof, csr: cNew.der, now: months(6) })).rejects.toMatchObject({
      field: "signature",
      status: 403,
      message: expect.stringContaining("keyCompromise"),
    });
    expect((await revocationStatus(CA)).pending[0].awaiting).toEqual([3n]);
    const c = await renewWithToken({ token: tokenC, csr: (await makeCsr("c.example")).pem, now: months(6) });
    expect(c.replacement.serial).toBe(7n);
    expect(c.completed).toHaveLength(1);
    const s = await revocationStatus(CA);
    expect(s.revocationNumber).toBe(4n);
    expect(s.pending).toEqual([]);
    // Renewed certificates are superseded and, below the RN, listed on the CRL.
    const crl = parseCrl((await currentCrl(CA)).der);
    expect(crl.entries.map((e) => e.serial)).toEqual([1n, 2n, 3n]);
    expect(crl.crlNumber).toBeGreaterThan(1n);
  });

  it("D nears expiry: the sweep asks D to renew; D renews (8) and RN becomes 5", async () => {
    const at = addDays(held.d.cert.notAfter, -10);
    const [report] = await runSweep({ now: at, issuer: CA });
    expect(report.opened?.serial).toBe(4n);
    expect(report.opened?.awaiting).toEqual([4n]);
    expect(report.revocationNumber).toBe(4n);
    // A second sweep does not open another revocation for the same serial.
    expect((await runSweep({ now: at, issuer: CA }))[0].opened).toBeUndefined();
    const d = await renewWithToken({ token: report.opened!.tokens[0].token, csr: (await makeCsr("d.example")).pem, now: at });
    expect(d.replacement.serial).toBe(8n);
    expect((await revocationStatus(CA)).revocationNumber).toBe(5n);
    const history = await db().revocationNumberChange.findMany({ where: { issuer: { name: CA } }, orderBy: { id: "asc" } });
    expect(history.map((h) => [h.from, h.to])).toEqual([[0n, 4n], [4n, 5n]]);
  });
});

describe("orders, exclusions, force and deadlines", () => {
  it("raise-first moves the RN at once; replacements get serials >= RN", async () => {
    await createIssuer({ kind: "cli", name: "t", role: "administrator" }, { name: "raise", keyType: "ec-p256" });
    const certs = [];
    for (const n of ["p", "q", "r"]) certs.push((await issue("raise", `${n}.example`)).cert);
    const r = await startRevocation(op, { issuer: "raise", serial: 2n, reason: "keyCompromise", order: "raise-first" });
    expect(r.revocationNumber).toBe(3n);
    expect(r.awaiting).toEqual([1n, 2n]);
    // Collateral below the RN is invalid now and on the CRL.
    const crl = parseCrl((await currentCrl("raise")).der);
    expect(crl.entries.map((e) => [e.serial, e.reason])).toEqual([[1n, "superseded"], [2n, "keyCompromise"]]);
    const p = await renewCertificate(op, { issuer: "raise", serial: 1n, csr: (await makeCsr("p.example")).pem });
    expect(p.replacement.serial).toBeGreaterThanOrEqual(3n);
    expect((await revocationStatus("raise")).pending[0].awaiting).toEqual([2n]);
  });

  it("excludes a stopped server from the wait, and force completes with holders still awaited", async () => {
    await createIssuer({ kind: "cli", name: "t", role: "administrator" }, { name: "force", keyType: "ec-p256" });
    for (const n of ["u", "v", "w"]) await issue("force", `${n}.example`);
    await expect(startRevocation(op, { issuer: "force", serial: 2n, reason: "keyCompromise", order: "renew-first", exclude: [7n] })).rejects.toMatchObject({ field: "exclude" });
    const r = await startRevocation(op, { issuer: "force", serial: 3n, reason: "keyCompromise", order: "renew-first", exclude: [1n] });
    expect(r.awaiting).toEqual([2n, 3n]);
    await excludeFromRevocation(op, { issuer: "force", serial: 2n });
    expect((await revocationStatus("force")).pending[0].awaiting).toEqual([3n]);
    const done = await completeRevocation(op, { issuer: "force", serial: 3n, force: true });
    expect(done).toMatchObject({ revocationNumber: 4n, forced: true, abandoned: [3n] });
    await expect(completeRevocation(op, { issuer: "force", serial: 3n })).rejects.toMatchObject({ status: 404 });
  });

  it("a passed deadline completes the revocation at the next sweep", async () => {
    await createIssuer({ kind: "cli", name: "t", role: "administrator" }, { name: "deadline", keyType: "ec-p256" });
    await issue("deadline", "x.example");
    await startRevocation(op, { issuer: "deadline", serial: 1n, reason: "affiliationChanged", order: "renew-first", deadline: addDays(T0, 2) });
    expect((await runSweep({ issuer: "deadline", now: addDays(T0, 1) }))[0].deadlinesPassed).toEqual([]);
    const [r] = await runSweep({ issuer: "deadline", now: addDays(T0, 3) });
    expect(r.deadlinesPassed).toEqual([1n]);
    expect(r.revocationNumber).toBe(2n);
  });

  it("a CRL of another issuer's serial is refused by name", async () => {
    await expect(startRevocation(op, { issuer: "deadline", serial: 3n, reason: "keyCompromise", order: "renew-first" })).rejects.toMatchObject({
      field: "serial",
      message: expect.stringContaining("belongs to issuer"),
    });
  });

  it("kept the audit chain intact", async () => {
    expect(await verifyAuditLog(db())).toMatchObject({ ok: true });
  });
});
