import { X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { verifyAuditLog } from "../audit";
import { cliActor } from "../auth/actor";
import { issueCertificate } from "../certificates/issue";
import { requestFromCsr, requestWithGeneratedKey } from "../certificates/request";
import { db } from "../db";
import { addDays } from "../issuers/validity";
import { toKeyObject } from "../pki/keys";
import { pemEncode } from "../pki/pem";
import { signWith } from "../pki/signature";
import { excludeFromRevocation, startRevocation } from "../revocation/prefix";
import { pendingRenewal, renewWithProof, renewWithToken } from "../revocation/renewal";
import { runSweep } from "../revocation/sweep";
import { makeCsr } from "../test/csr";
import { DOWNLOAD_SUBJECT } from "./downloadServer";
import { createLineage } from "./lineage";
import { revokeGenerationNow, runGenerationSchedule } from "./schedule";
import { lineageView } from "./view";

/**
 * Application servers move to generation n+1 when n is revoked or reaches its switch time
 * (SPEC 3): ordinary renewal requests whose replacements generation n+1 signs.
 */

const actor = cliActor();
const op = { kind: "user", name: "op@x", role: "operator" } as const;
const template = "https://127.0.0.1:8443/ca-info/{n}";

async function issue(issuer: string, cn: string, profile: string, now?: Date) {
  const csr = await makeCsr(cn);
  const cert = await issueCertificate(op, issuer, await requestFromCsr({ csr: csr.pem, profile, sans: [`DNS:${cn}`] }), { now });
  return { cert, keys: csr.keys };
}

async function proof(issuer: string, held: Awaited<ReturnType<typeof issue>>, cn: string) {
  const csr = await makeCsr(cn);
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", held.keys.privateKey));
  return { issuer, certificate: pemEncode("CERTIFICATE", held.cert.der), signature: signWith(toKeyObject(pkcs8), "ec-p256", csr.der), csr: csr.der };
}

/** Whether CA `name` signed `der` (node's X.509, independent of Rootline's encoder). */
const signedBy = async (der: Uint8Array, name: string) => {
  const ca = (await db().issuer.findUniqueOrThrow({ where: { name }, select: { certificateDer: true } })).certificateDer;
  return new X509Certificate(Buffer.from(der)).verify(new X509Certificate(Buffer.from(ca)).publicKey);
};

describe("servers move when their generation is revoked", () => {
  it("asks every still-good server certificate of n to renew from n+1, renews by token and by proof, shows who moved, settles without moving n's RN", async () => {
    await createLineage(actor, { name: "M", keyType: "ec-p256", caValidityDays: 3650, downloadUrlTemplate: template });
    const a = await issue("M-1", "a.example", "server");
    const b = await issue("M-1", "b.example", "both");
    const c = await issue("M-1", "c.example", "client"); // clients are not asked to move
    const d = await issue("M-1", "d.example", "server");
    // The download server's own certificate from CA 1 stays (devices on CA 1 need it).
    const dl = await issueCertificate(op, "M-1", await requestWithGeneratedKey({ subject: DOWNLOAD_SUBJECT, keyType: "ec-p256", profile: "server", sans: ["IP:127.0.0.1"] }));

    const r = await revokeGenerationNow(actor, "M", 1, "retired early");
    expect(r.created).toMatchObject({ generation: 2, issuer: "M-2" });
    expect(r.moves).toHaveLength(1);
    const [m] = r.moves;
    expect(m).toMatchObject({ generation: 1, issuer: "M-1", successor: "M-2", requested: [a.cert.serial, b.cert.serial, d.cert.serial], completed: false });
    const start = await db().auditEvent.findFirstOrThrow({ where: { action: "lineage.move-start", targetId: m.id } });
    expect(JSON.parse(start.after!)).toMatchObject({ lineage: "M", generation: 1, successor: "M-2", cause: "revoked" });
    expect(await pendingRenewal("M-1", a.cert.serial)).toMatchObject({ renewFrom: "M-2" });

    // A: the one-time token. B: proof of possession. Both get certificates of CA 2.
    const ra = await renewWithToken({ token: m.tokens.find((t) => t.serial === a.cert.serial)!.token, issuer: "M-1", serial: a.cert.serial, csr: (await makeCsr("a.example")).pem });
    const rb = await renewWithProof(await proof("M-1", b, "b.example"));
    for (const [x, old] of [[ra, a], [rb, b]] as const) {
      expect(x.replacement).toMatchObject({ issuerName: "M-2", subject: old.cert.subject, sans: old.cert.sans, profile: old.cert.profile, replacesId: old.cert.id });
      expect(await signedBy(x.replacement.der, "M-2")).toBe(true);
      expect(await signedBy(x.replacement.der, "M-1")).toBe(false);
      expect((await db().certificate.findUniqueOrThrow({ where: { id: old.cert.id } })).status).toBe("superseded");
    }
    const renewed = await db().auditEvent.findFirstOrThrow({ where: { action: "certificate.renew", targetId: ra.replacement.id } });
    expect(JSON.parse(renewed.after!)).toMatchObject({ issuer: "M-2", via: "token", replaces: a.cert.id });

    let g1 = (await lineageView("M")).generations[0];
    expect(g1.move).toMatchObject({ total: 3, moved: 2, excluded: 0, opened: { successor: "M-2", settled: false } });
    expect(g1.move.notMoved).toEqual([{ serial: d.cert.serial, subject: "CN=d.example", sans: "DNS:d.example", status: "pending" }]);

    // D has stopped: excluded, the move settles. CA 1's RN does not move; the client and the download server keep theirs.
    await excludeFromRevocation(op, { issuer: "M-1", serial: d.cert.serial });
    g1 = (await lineageView("M")).generations[0];
    expect(g1.move).toMatchObject({ total: 3, moved: 2, excluded: 1, notMoved: [], opened: { settled: true } });
    const done = await db().auditEvent.findFirstOrThrow({ where: { action: "lineage.move-complete", targetId: m.id } });
    expect(JSON.parse(done.after!)).toEqual({ forced: false, renewed: 2, excluded: 1, closed: 0 });
    expect((await db().issuer.findUniqueOrThrow({ where: { name: "M-1" } })).revocationNumber).toBe(0n);
    for (const id of [c.cert.id, dl.id]) expect((await db().certificate.findUniqueOrThrow({ where: { id } })).status).toBe("valid");

    // Opened once: the next schedule run opens nothing more.
    expect((await runGenerationSchedule({ lineage: "M" }))[0].moves).toEqual([]);
    expect(await verifyAuditLog(db())).toMatchObject({ ok: true });
  });

  it("renews a certificate awaited by an earlier prefix revocation from n+1 too, and the move counts it as awaited elsewhere", async () => {
    await createLineage(actor, { name: "P", keyType: "ec-p256", caValidityDays: 3650, downloadUrlTemplate: template });
    const a = await issue("P-1", "a.example", "server");
    const b = await issue("P-1", "b.example", "server");
    // Revoking b as a prefix asks a (still valid) and b (revoked) to renew.
    const rev = await startRevocation(op, { issuer: "P-1", serial: b.cert.serial, reason: "superseded", order: "renew-first" });
    const r = await revokeGenerationNow(actor, "P", 1, "compromised CA");
    expect(r.moves[0]).toMatchObject({ requested: [], awaitedElsewhere: [a.cert.serial], completed: true });
    for (const [held, cn] of [[a, "a.example"], [b, "b.example"]] as const) {
      const token = rev.tokens.find((t) => t.serial === held.cert.serial)!.token;
      const x = await renewWithToken({ token, csr: (await makeCsr(cn)).pem });
      expect(x.replacement.issuerName).toBe("P-2");
      if (held === b) expect(x.completed).toEqual([rev.id]); // the prefix revocation completes: P-1's RN moves past b
    }
    expect((await db().issuer.findUniqueOrThrow({ where: { name: "P-1" } })).revocationNumber).toBe(b.cert.serial + 1n);
  });
});

describe("a revoked generation's issuer", () => {
  it("issues nothing more (the error names the issuer field), except the download server's own certificate", async () => {
    await createLineage(actor, { name: "R", keyType: "ec-p256", caValidityDays: 3650, downloadUrlTemplate: template });
    await issue("R-1", "before.example", "server");
    await revokeGenerationNow(actor, "R", 1, "key lost");
    const before = await db().certificate.count();
    const serialBefore = (await db().issuer.findUniqueOrThrow({ where: { name: "R-1" } })).nextSerial;
    const req = await requestFromCsr({ csr: (await makeCsr("late.example")).pem, profile: "server" });
    await expect(issueCertificate(op, "R-1", req)).rejects.toMatchObject({ field: "issuer", status: 400, message: expect.stringMatching(/"R-1" \(generation 1 of its lineage\) was revoked on .* issues no more certificates/) });
    expect(await db().certificate.count()).toBe(before);
    expect((await db().issuer.findUniqueOrThrow({ where: { name: "R-1" } })).nextSerial).toBe(serialBefore); // no serial consumed
    await expect(issueCertificate(op, "R-2", req)).resolves.toMatchObject({ issuerName: "R-2" });
    const dlReq = await requestWithGeneratedKey({ subject: DOWNLOAD_SUBJECT, keyType: "ec-p256", profile: "server", sans: ["IP:127.0.0.1"] });
    await expect(issueCertificate(op, "R-1", dlReq, { revokedGenerationMayIssue: true })).resolves.toMatchObject({ issuerName: "R-1" });
  });
});

describe("servers move at the switch time", () => {
  it("opens the move 30 days before n expires (once n+1 exists), with n's expiry as deadline; the sweep closes it there", async () => {
    const T0 = new Date("2031-01-01T00:00:00Z");
    await createLineage(actor, { name: "S", keyType: "ec-p256", caValidityDays: 400, leadDays: 100, downloadUrlTemplate: template }, { now: T0 });
    const notAfter = (await db().issuer.findUniqueOrThrow({ where: { name: "S-1" } })).notAfter;
    const a = await issue("S-1", "a.example", "server", addDays(notAfter, -60));
    const b = await issue("S-1", "b.example", "server", addDays(notAfter, -60));

    const early = await runGenerationSchedule({ lineage: "S", now: addDays(notAfter, -31) });
    expect(early[0]).toMatchObject({ created: { generation: 2 }, moves: [] });
    const [due] = await runGenerationSchedule({ lineage: "S", now: addDays(notAfter, -29) });
    expect(due.moves).toMatchObject([{ generation: 1, successor: "S-2", requested: [a.cert.serial, b.cert.serial] }]);
    const move = await db().revocation.findUniqueOrThrow({ where: { id: due.moves[0].id } });
    expect(move).toMatchObject({ order: "generation", deadline: notAfter, status: "pending" });
    const start = await db().auditEvent.findFirstOrThrow({ where: { action: "lineage.move-start", targetId: move.id } });
    expect(JSON.parse(start.after!)).toMatchObject({ cause: "expiry" });

    const ra = await renewWithProof({ ...(await proof("S-1", a, "a.example")), now: addDays(notAfter, -20) });
    expect(ra.replacement.issuerName).toBe("S-2");
    // At n's expiry the sweep settles the move (forced): b's request closes, its token stops working; no RN moves.
    await runSweep({ issuer: "S-1", now: addDays(notAfter, 1) });
    expect(await db().revocation.findUniqueOrThrow({ where: { id: move.id } })).toMatchObject({ status: "completed", forced: true });
    const done = await db().auditEvent.findFirstOrThrow({ where: { action: "lineage.move-complete", targetId: move.id } });
    expect(JSON.parse(done.after!)).toEqual({ forced: true, renewed: 1, excluded: 0, closed: 1 });
    await expect(renewWithToken({ token: due.moves[0].tokens[1].token, csr: (await makeCsr("b.example")).pem })).rejects.toMatchObject({ field: "token" });
    // The move's completion moved no RN (the sweep's own expiry handling of S-1 may).
    expect(await db().auditEvent.count({ where: { action: "revocation.complete", targetId: move.id } })).toBe(0);
    const g1 = (await lineageView("S", addDays(notAfter, 1))).generations[0];
    expect(g1.move).toMatchObject({ total: 2, moved: 1, notMoved: [{ serial: b.cert.serial, status: "closed" }] });
  });
});
