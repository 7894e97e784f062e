import { CompactSign } from "jose";
import { generateKeyPairSync, X509Certificate } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../auth/actor";
import { exportCertificate, issueCertificate, requestWithGeneratedKey } from "../certificates";
import { db } from "../db";
import { createIssuer } from "../issuers/service";
import { issueProxyCertificate, proxyLive, registerProxy, setProxyPolicy } from "../proxies";
import { proxyReportRoute } from "../proxies/reception";
import { startRevocation } from "../revocation/prefix";
import { opensslOk, tempDir } from "../test/pki";
import { DecisionLog } from "./decisions";
import { Metrics } from "./metrics";
import type { Policy } from "./policy";
import { REPORT_PATH, signReport, startReporter, type ReportPayload, type ReporterRuntime } from "./report";

/**
 * The reporter (proxy side) against the app's route handler and domain (lib/proxies) over real
 * HTTP, with certificates the domain issued and real JWS signatures: what is accepted, what is
 * refused and why, and that nothing is stored twice.
 */
const op: Actor = { kind: "user", name: "op@example.com", role: "operator" };
let server: http.Server;
let appUrl = "";
let proxyId = "";
let identity: { certPem: string; keyPem: string };

async function keyAndCert(certificateId: string) {
  const text = async (f: string) => Buffer.from((await exportCertificate(op, certificateId, f)).body).toString();
  return { certPem: await text("pem"), keyPem: await text("key") };
}

/** Issues a certificate with a generated key, bypassing the proxy page (other profiles, other names). */
async function issued(profile: string, cn: string) {
  const c = await issueCertificate(op, "report-ca", await requestWithGeneratedKey({ subject: { CN: cn }, keyType: "ec-p256", profile, sans: profile === "proxy" ? undefined : `DNS:${cn}.example` }));
  return { ...(await keyAndCert(c.id)), serial: c.serial, id: c.id };
}

function runtime(name: string, id: { certPem: string; keyPem: string }) {
  const applied: { policy: Policy; source: string }[] = [];
  const decisions = new DecisionLog({ keep: 500 });
  const metrics = new Metrics();
  const rt: ReporterRuntime = {
    name,
    decisions,
    metrics,
    identity: () => id,
    applyPolicy: async (policy, source) => void applied.push({ policy, source }),
    status: () => ({ routes: [{ name: "web", listen: "127.0.0.1:1" }] }),
  };
  return { rt, decisions, metrics, applied };
}

const decision = (i: number) => ({ client: `10.0.0.${i % 250}:4000`, route: "web", upstream: "127.0.0.1:9443", serial: "7", decision: "refused-policy" as const, reason: `policy rule 0 (${i})` });

async function post(body: string, contentType = "application/jose") {
  const r = await fetch(new URL(REPORT_PATH, appUrl), { method: "POST", headers: { "Content-Type": contentType }, body });
  return { status: r.status, body: await r.json() };
}

function payload(over: Partial<ReportPayload> = {}): ReportPayload {
  return { name: "edge-1", boot: "manual", sentAt: new Date().toISOString(), decisions: [], metrics: {}, status: null, ...over };
}

beforeAll(async () => {
  await createIssuer(op, { name: "report-ca", subject: "CN=Report CA", keyType: "ec-p256" });
  proxyId = (await registerProxy(op, { name: "edge-1" })).id;
  identity = await keyAndCert((await issueProxyCertificate(op, proxyId, { issuer: "report-ca" })).certificateId);
  // The route handler as the Next route and server.ts call it: a Web Request in, a Response out.
  server = http.createServer(async (req, res) => {
    const request = new Request(new URL(req.url ?? "/", "http://127.0.0.1"), { method: req.method, headers: req.headers as Record<string, string>, body: Readable.toWeb(req) as ReadableStream, duplex: "half" } as RequestInit);
    const r = await proxyReportRoute(request);
    res.writeHead(r.status, Object.fromEntries(r.headers));
    res.end(Buffer.from(await r.arrayBuffer()));
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

describe("an accepted report", () => {
  it("stores decisions, counters and status, answers with the policy, which the reporter applies once", async () => {
    const { rt, decisions, metrics, applied } = runtime("edge-1", identity);
    for (let i = 1; i <= 3; i++) decisions.record(decision(i));
    metrics.inc("rootline_proxy_connections_total", { route: "web", decision: "refused-policy" }, 3);
    const reporter = startReporter(rt, { appUrl, intervalMs: 3_600_000 });
    try {
      const first = await reporter.reportNow();
      expect(first).toMatchObject({ ok: true, sent: 3, reply: { policy: null, policyVersion: 0, ackSeq: 3 }, policyApplied: null });
      const live = await proxyLive(op, proxyId);
      expect(live.decisions.map((d) => d.reason)).toEqual(["policy rule 0 (3)", "policy rule 0 (2)", "policy rule 0 (1)"]);
      expect(live.metrics).toContainEqual({ name: "rootline_proxy_connections_total", labels: 'decision="refused-policy",route="web"', value: 3 });
      expect(live.status).toEqual({ routes: [{ name: "web", listen: "127.0.0.1:1" }] });
      expect(Date.now() - Date.parse(live.lastReportAt!)).toBeLessThan(10_000);

      const policy: Policy = { default: "allow", rules: [{ source: "10.0.0.0/8", answer: "deny" }] };
      await setProxyPolicy(op, proxyId, JSON.stringify(policy));
      decisions.record(decision(4));
      expect(await reporter.reportNow()).toMatchObject({ ok: true, sent: 1, reply: { policyVersion: 1, ackSeq: 4 }, policyApplied: 1 });
      expect(await reporter.reportNow()).toMatchObject({ ok: true, sent: 0, policyApplied: null }); // same version: not applied again
      expect(applied).toEqual([{ policy, source: "Rootline app, policy version 1" }]);
      expect((await proxyLive(op, proxyId)).decisions).toHaveLength(4);
      // Reports change no configuration: no audit entry for them.
      const actions = (await db().auditEvent.findMany({ where: { targetType: "proxy", targetId: proxyId }, select: { action: true } })).map((e) => e.action);
      expect(actions).toEqual(["proxy.register", "proxy.certificate-issue", "proxy.policy-change"]);
    } finally {
      reporter.stop();
    }
  });

  it("a replayed report and overlapping decisions are stored once; a restarted proxy's seqs start again without clashing", async () => {
    const before = await db().proxyDecision.count({ where: { proxyId } });
    const d = [1, 2].map((seq) => ({ seq, at: new Date().toISOString(), ...decision(100 + seq) }));
    const jws = await signReport(payload({ boot: "replay", decisions: d }), identity);
    expect((await post(jws)).body).toMatchObject({ ackSeq: 2 });
    expect((await post(jws)).body).toMatchObject({ ackSeq: 2 });
    const overlap = await signReport(payload({ boot: "replay", decisions: [...d, { seq: 3, at: new Date().toISOString(), ...decision(103) }] }), identity);
    expect((await post(overlap)).body).toMatchObject({ ackSeq: 3 });
    expect(await db().proxyDecision.count({ where: { proxyId } })).toBe(before + 3);
    // A new process (another boot) numbers from 1 again: kept after the earlier ones.
    const again = await signReport(payload({ boot: "restarted", decisions: d }), identity);
    expect((await post(again)).body).toMatchObject({ ackSeq: 2 });
    const latest = (await proxyLive(op, proxyId)).decisions;
    expect(latest.length).toBe(before + 5);
    expect(latest.slice(0, 2).map((x) => x.reason)).toEqual(["policy rule 0 (102)", "policy rule 0 (101)"]);
  });

  it("keeps the last 500 decisions of a proxy; a backlog goes out in several reports at once", async () => {
    const { id } = await registerProxy(op, { name: "edge-busy" });
    const busy = await keyAndCert((await issueProxyCertificate(op, id, { issuer: "report-ca" })).certificateId);
    const { rt, decisions } = runtime("edge-busy", busy);
    for (let i = 1; i <= 620; i++) decisions.record(decision(i));
    const reporter = startReporter(rt, { appUrl, intervalMs: 3_600_000 });
    try {
      // The ring holds 500: seqs 121..620 leave in one report of 500, then nothing is left.
      expect(await reporter.reportNow()).toMatchObject({ ok: true, reply: { ackSeq: 620 } });
      for (let i = 621; i <= 700; i++) decisions.record(decision(i));
      expect(await reporter.reportNow()).toMatchObject({ ok: true, sent: 80, reply: { ackSeq: 700 } });
      const rows = await db().proxyDecision.findMany({ where: { proxyId: id }, orderBy: { seq: "asc" }, select: { seq: true } });
      expect(rows.length).toBe(500);
      expect([rows[0].seq, rows[499].seq]).toEqual([201, 700]);
    } finally {
      reporter.stop();
    }
  });
});

describe("refused reports", () => {
  it("signed by another key than the x5c certificate's: 401, and the refusal shows on the proxy", async () => {
    const other = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    const certDer = new X509Certificate(identity.certPem).raw;
    const jws = await new CompactSign(Buffer.from(JSON.stringify(payload()))).setProtectedHeader({ alg: "ES256", x5c: [certDer.toString("base64")] }).sign(other);
    expect(await post(jws)).toEqual({ status: 401, body: { field: "signature", error: "the report's signature does not verify with the key of its x5c certificate" } });
    expect((await proxyLive(op, proxyId)).lastReject).toMatchObject({ reason: expect.stringContaining("signature") });
  });

  it("a certificate Rootline did not issue: 401", async () => {
    const dir = tempDir();
    opensslOk(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=edge-1", "-keyout", dir.path("k.pem"), "-out", dir.path("c.pem"), "-days", "2"]);
    const { readFileSync } = await import("node:fs");
    const jws = await signReport(payload(), { certPem: readFileSync(dir.path("c.pem"), "utf8"), keyPem: readFileSync(dir.path("k.pem"), "utf8") });
    expect(await post(jws)).toMatchObject({ status: 401, body: { field: "certificate", error: "the report's certificate was not issued by this Rootline" } });
  });

  it("a certificate of another profile, even with the proxy's name as CN: 403", async () => {
    const client = await issued("client", "edge-1");
    const r = await post(await signReport(payload(), client));
    expect(r).toMatchObject({ status: 403, body: { field: "certificate", error: `certificate report-ca #${client.serial} has profile client, not proxy` } });
  });

  // A prefix revocation: every certificate of the CA below the revoked serial goes too (the earlier ones included).
  it("a revoked proxy certificate: 403", async () => {
    const revoked = await issued("proxy", "edge-1");
    expect((await post(await signReport(payload(), revoked))).status).toBe(200);
    await startRevocation(op, { issuer: "report-ca", serial: revoked.serial, reason: "keyCompromise", order: "raise-first" });
    const r = await post(await signReport(payload(), revoked));
    expect(r).toMatchObject({ status: 403, body: { field: "certificate", error: expect.stringMatching(new RegExp(`certificate report-ca #${revoked.serial} is revoked`)) } });
  });

  it("a proxy certificate for a name nobody registered: 404; a report naming another proxy than its certificate: 403", async () => {
    const ghost = await issued("proxy", "ghost-1");
    expect(await post(await signReport(payload({ name: "ghost-1" }), ghost))).toEqual({ status: 404, body: { field: "name", error: 'no proxy named "ghost-1" is registered' } });
    const current = await keyAndCert((await issueProxyCertificate(op, proxyId, { issuer: "report-ca" })).certificateId);
    expect((await post(await signReport(payload(), current))).status).toBe(200);
    const r = await post(await signReport(payload({ name: "edge-busy" }), current));
    expect(r).toMatchObject({ status: 403, body: { field: "name", error: expect.stringContaining('issued to CN=edge-1, not to proxy "edge-busy"') } });
  });

  it("the reporter says why the app refused it, and keeps going", async () => {
    const client = await issued("client", "edge-1");
    const { rt } = runtime("edge-1", client);
    const lines: string[] = [];
    const reporter = startReporter(rt, { appUrl, intervalMs: 3_600_000, log: (l) => lines.push(l) });
    try {
      const o = await reporter.reportNow();
      expect(o).toMatchObject({ ok: false, status: 403, error: expect.stringContaining("has profile client, not proxy") });
      expect(reporter.state().lastError).toContain("not proxy");
      expect(lines.length).toBe(1);
    } finally {
      reporter.stop();
    }
  });

  it("a stale report, a wrong media type, an oversized body", async () => {
    const fresh = await issued("proxy", "edge-1");
    const old = await signReport(payload({ sentAt: new Date(Date.now() - 3_600_000).toISOString() }), fresh);
    expect(await post(old)).toMatchObject({ status: 400, body: { field: "sentAt" } });
    expect((await post("x", "application/json")).status).toBe(415);
    expect((await post("a".repeat(1024 * 1024 + 1))).status).toBe(413);
    expect(await post("not.a.jws")).toMatchObject({ status: 400, body: { field: "body" } });
  });

  it("an app that does not answer: a timeout the reporter reports", async () => {
    const silent = http.createServer(() => undefined);
    await new Promise<void>((ok) => silent.listen(0, "127.0.0.1", ok));
    const { rt } = runtime("edge-1", identity);
    const reporter = startReporter(rt, { appUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, intervalMs: 3_600_000, fetchTimeoutMs: 300, log: () => undefined });
    try {
      expect(await reporter.reportNow()).toEqual({ ok: false, error: "the app did not answer within 300 ms" });
    } finally {
      reporter.stop();
      silent.closeAllConnections();
      silent.close();
    }
  });
});
