import fs from "node:fs";
import type http from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueCertificate } from "../certificates/issue";
import { requestWithGeneratedKey } from "../certificates/request";
import { db } from "../db";
import { repositoryReply } from "../http/repository";
import { createIssuer } from "../issuers/service";
import { parseCrl } from "../pki/crl";
import { caCertificate, crl as crlDocument, revocationInfoDer } from "../repository/documents";
import { rebuildCrl } from "../revocation/crlStore";
import { startRevocation } from "../revocation/prefix";
import { deadPort, startHttpServer, type RunningServer } from "../test/device";
import { IssuerRevocation, revocationStateFile, type RevocationSourceConfig } from "./revocation";

/**
 * Real documents all the way: an issuer made by the domain code in this file's test
 * database, revoked with raise-first, served by the repository's own dispatch
 * (lib/http/repository.ts) from a node:http server on 127.0.0.1. Cases that need a bad
 * document serve real bytes altered, or real older bytes.
 */

const admin = { kind: "cli", name: "t", role: "administrator" } as const;
const ISSUER = "proxy-ca";
const DAY = 86_400_000;

let server: RunningServer & { url: string };
/** When set, answers instead of the real repository (per document kind). */
const override: { info?: http.RequestListener; crl?: http.RequestListener } = {};
const hits = { info: 0, crl: 0 };
let caDer: Uint8Array;
let goodSerial: bigint;
let revokedSerial: bigint;
/** Issued after the revocation: above the RN (prefix revocation takes every serial below it). */
let laterSerial: bigint;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "proxy-rev-"));

const serve = (body: Uint8Array): http.RequestListener => (_q, r) => r.writeHead(200, { "content-type": "application/octet-stream" }).end(body);
const flipLast = (b: Uint8Array, back = 3): Uint8Array => {
  const t = new Uint8Array(b);
  t[t.length - back] ^= 0x01;
  return t;
};
const repository = () => `${server.url}/api/repository`;
const open = (o: Partial<RevocationSourceConfig> = {}) => IssuerRevocation.open({ repository: repository(), issuer: ISSUER, caCertDer: caDer, dataDir, fetchTimeoutMs: 2000, ...o });
const issue = async (cn: string) => (await issueCertificate(admin, ISSUER, await requestWithGeneratedKey({ subject: { CN: cn }, keyType: "ec-p256" }))).serial;

beforeAll(async () => {
  await createIssuer(admin, { name: ISSUER, keyType: "ec-p256" });
  caDer = (await caCertificate(ISSUER, "der")).body;
  goodSerial = await issue("good.example");
  server = await startHttpServer(async (q, res) => {
    const kind = q.url?.endsWith("/crl") ? "crl" : "info";
    hits[kind]++;
    const o = override[kind];
    if (o) return o(q, res);
    const r = await repositoryReply(q.url ?? "/", null);
    if (!r) return res.writeHead(404).end();
    res.writeHead(r.status, r.headers).end(r.body ?? undefined);
  });
});
afterAll(async () => {
  await server.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("IssuerRevocation against a real repository", () => {
  let rev: IssuerRevocation;
  let rn0Info: Uint8Array;
  let firstCrl: Uint8Array;

  it("fails closed before anything is verified", async () => {
    rev = await open();
    expect(rev.check(goodSerial)).toMatchObject({ revoked: false, unverified: true });
    expect(rev.snapshot()).toMatchObject({ revocationNumber: null, crlNumber: null, lastResult: null, loadProblem: null });
  });

  it("takes the first verified documents (RN 0 counts) and passes a good serial", async () => {
    rn0Info = (await revocationInfoDer(ISSUER)).body;
    firstCrl = (await crlDocument(ISSUER)).body;
    expect(await rev.refresh()).toEqual({ info: "updated", crl: "updated" });
    expect(rev.check(goodSerial)).toMatchObject({ revoked: false, unverified: false });
    expect(rev.snapshot()).toMatchObject({ revocationNumber: "0", crlNumber: String(parseCrl(firstCrl).crlNumber) });
    expect(fs.existsSync(revocationStateFile(dataDir, ISSUER))).toBe(true);
    expect(await rev.refresh()).toEqual({ info: "unchanged", crl: "unchanged" });
  });

  it("concurrent refreshes share one fetch", async () => {
    const before = { ...hits };
    const [a, b, c] = await Promise.all([rev.refresh(), rev.refresh(), rev.refresh()]);
    expect(a).toBe(b);
    expect(b).toBe(c);
    expect(hits.info - before.info).toBe(1);
    expect(hits.crl - before.crl).toBe(1);
  });

  it("raises the RN after a raise-first revocation and refuses the serial", async () => {
    revokedSerial = await issue("revoked.example");
    await startRevocation(admin, { issuer: ISSUER, serial: revokedSerial, reason: "keyCompromise", order: "raise-first" });
    expect(await rev.refresh()).toEqual({ info: "updated", crl: "updated" });
    expect(rev.snapshot().revocationNumber).toBe(String(revokedSerial + 1n));
    const c = rev.check(revokedSerial);
    expect(c).toMatchObject({ revoked: true, unverified: false });
    expect(c.reason).toMatch(/below revocation number/);
    // A prefix: the older certificate below it goes too.
    expect(rev.check(goodSerial).revoked).toBe(true);
    laterSerial = await issue("later.example");
    expect(laterSerial).toBeGreaterThan(revokedSerial);
  });

  it("rejects a tampered revocation info and keeps the last good RN", async () => {
    override.info = serve(flipLast((await revocationInfoDer(ISSUER)).body));
    const r = await rev.refresh();
    expect(r.info).toBe("rejected");
    expect(r.detail).toMatch(/bad-signature|malformed/);
    expect(rev.snapshot().revocationNumber).toBe(String(revokedSerial + 1n));
    expect(rev.check(revokedSerial).revoked).toBe(true);
  });

  it("rejects an older, genuine revocation info with a smaller RN", async () => {
    override.info = serve(rn0Info);
    const r = await rev.refresh();
    expect(r.info).toBe("rejected");
    expect(r.detail).toMatch(/rejected-smaller/);
    expect(rev.check(revokedSerial).revoked).toBe(true);
  });

  it("rejects a CRL with a bad signature", async () => {
    delete override.info;
    override.crl = serve(flipLast((await crlDocument(ISSUER)).body));
    const r = await rev.refresh();
    expect(r.crl).toBe("rejected");
    expect(r.detail).toMatch(/signature/);
  });

  it("rejects an older CRL (lower CRL number)", async () => {
    override.crl = serve(firstCrl);
    const r = await rev.refresh();
    expect(r.crl).toBe("rejected");
    expect(r.detail).toMatch(/lower than the held/);
  });

  it("rejects a CRL past its nextUpdate, even with a higher CRL number", async () => {
    const issuer = await db().issuer.findUniqueOrThrow({ where: { name: ISSUER }, select: { id: true } });
    const stale = await rebuildCrl(issuer.id, new Date(Date.now() - 30 * DAY));
    const held = BigInt(rev.snapshot().crlNumber!);
    expect(stale.crlNumber).toBeGreaterThan(held);
    override.crl = serve(stale.der);
    const r = await rev.refresh();
    expect(r.crl).toBe("rejected");
    expect(r.detail).toMatch(/expired/);
    expect(rev.snapshot().crlNumber).toBe(String(held));
  });

  it("rejects a CRL whose thisUpdate lies in the future", async () => {
    const issuer = await db().issuer.findUniqueOrThrow({ where: { name: ISSUER }, select: { id: true } });
    const future = await rebuildCrl(issuer.id, new Date(Date.now() + 2 * DAY));
    override.crl = serve(future.der);
    const r = await rev.refresh();
    expect(r.crl).toBe("rejected");
    expect(r.detail).toMatch(/in the future/);
    await rebuildCrl(issuer.id, new Date()); // the repository's CRL is current again
  });

  it("keeps its state when the repository is unreachable", async () => {
    delete override.crl;
    const before = rev.snapshot();
    override.info = (_q, r) => r.writeHead(503).end();
    override.crl = (_q, r) => r.socket?.destroy();
    const r = await rev.refresh();
    expect(r).toMatchObject({ info: "unreachable", crl: "unreachable" });
    expect(rev.snapshot()).toMatchObject({ revocationNumber: before.revocationNumber, crlNumber: before.crlNumber });
    expect(rev.check(revokedSerial).revoked).toBe(true);
    delete override.info;
    delete override.crl;
  });

  it("after a restart with the repository down, still refuses the revoked serial from disk", async () => {
    const again = await open({ repository: `http://127.0.0.1:${await deadPort()}/api/repository` });
    expect(again.snapshot()).toMatchObject({ revocationNumber: String(revokedSerial + 1n), loadProblem: null });
    expect((await again.refresh()).info).toBe("unreachable");
    expect(again.check(revokedSerial)).toMatchObject({ revoked: true, unverified: false });
    expect(again.check(laterSerial)).toMatchObject({ revoked: false, unverified: false });
  });

  it("a CRL past nextUpdate stops counting: unverified unless an RN is held", async () => {
    const later = new Date(Date.now() + 30 * DAY);
    const withRn = await open({ now: () => later });
    expect(withRn.check(laterSerial)).toMatchObject({ revoked: false, unverified: false });
    // The serial listed on the CRL but not below the RN: only the (expired) CRL knew it.
    const crlOnlyDir = fs.mkdtempSync(path.join(os.tmpdir(), "proxy-rev-crl-"));
    override.info = (_q, r) => r.writeHead(404).end();
    const crlOnly = await open({ dataDir: crlOnlyDir });
    expect(await crlOnly.refresh()).toMatchObject({ info: "unreachable", crl: "updated" });
    expect(crlOnly.check(revokedSerial)).toMatchObject({ revoked: true, unverified: false });
    expect(crlOnly.check(revokedSerial).reason).toMatch(/listed in CRL/);
    const crlOnlyLater = await open({ dataDir: crlOnlyDir, now: () => later });
    expect(crlOnly.check(laterSerial)).toMatchObject({ revoked: false, unverified: false });
    expect(crlOnlyLater.check(laterSerial)).toMatchObject({ revoked: false, unverified: true });
    expect(crlOnlyLater.check(laterSerial).reason).toMatch(/expired/);
    delete override.info;
    fs.rmSync(crlOnlyDir, { recursive: true, force: true });
  });
});

describe("a tampered state file is not trusted", () => {
  const file = () => revocationStateFile(dataDir, ISSUER);
  let good: string;
  beforeAll(() => {
    good = fs.readFileSync(file(), "utf8");
  });
  afterAll(() => fs.writeFileSync(file(), good));
  const offline = async () => open({ repository: `http://127.0.0.1:${await deadPort()}/api/repository` });
  const edit = (f: (s: Record<string, unknown>) => void) => {
    const s = JSON.parse(good) as Record<string, unknown>;
    f(s);
    fs.writeFileSync(file(), JSON.stringify(s));
  };

  it("an RN edited down is ignored (the document says otherwise)", async () => {
    edit((s) => (s.revocationNumber = "0"));
    const r = await offline();
    expect(r.snapshot().revocationNumber).toBeNull();
    expect(r.snapshot().loadProblem).toMatch(/stored revocation info ignored/);
  });

  it("a flipped byte in the stored documents: both ignored, fail closed", async () => {
    edit((s) => {
      s.revocationInfo = Buffer.from(flipLast(Buffer.from(s.revocationInfo as string, "base64"))).toString("base64");
      s.crl = Buffer.from(flipLast(Buffer.from(s.crl as string, "base64"))).toString("base64");
    });
    const r = await offline();
    expect(r.snapshot()).toMatchObject({ revocationNumber: null, crlNumber: null });
    expect(r.snapshot().loadProblem).toMatch(/revocation info ignored.*CRL ignored/);
    expect(r.check(revokedSerial)).toMatchObject({ unverified: true });
  });

  it("a CRL number edited up is ignored (it would block every genuine CRL)", async () => {
    edit((s) => (s.crlNumber = "999"));
    const r = await offline();
    expect(r.snapshot().crlNumber).toBeNull();
    expect(r.snapshot().revocationNumber).toBe(String(revokedSerial + 1n));
    expect(r.snapshot().loadProblem).toMatch(/stored CRL ignored/);
  });

  it("garbage or another issuer's file is ignored whole", async () => {
    fs.writeFileSync(file(), "{not json");
    expect((await offline()).snapshot().loadProblem).toMatch(/state file ignored/);
    edit((s) => (s.issuer = "other"));
    expect((await offline()).snapshot().loadProblem).toMatch(/for issuer "other"/);
  });
});
