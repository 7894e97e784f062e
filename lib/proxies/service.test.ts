import { beforeAll, describe, expect, it } from "vitest";
import { verifyAuditLog } from "../audit";
import type { Actor } from "../auth/actor";
import { exportCertificate } from "../certificates";
import { db } from "../db";
import { ForbiddenError } from "../errors";
import { createIssuer } from "../issuers/service";
import { expectInputError, opensslOk } from "../test/pki";
import { deleteProxy, issueProxyCertificate, registerProxy, setProxyPolicy, updateProxy } from "./service";
import { listProxies, proxyDetail } from "./view";

const op: Actor = { kind: "user", name: "op@example.com", role: "operator" };
const auditor: Actor = { kind: "user", name: "aud@example.com", role: "auditor" };

const events = (id: string) => db().auditEvent.findMany({ where: { targetType: "proxy", targetId: id }, orderBy: { seq: "asc" } });

beforeAll(async () => {
  await createIssuer(op, { name: "proxy-ca", subject: "CN=Proxy Test CA", keyType: "ec-p256" });
});

describe("registering a proxy", () => {
  it("stores it with an audit entry; the name is unique and must make a CN", async () => {
    const p = await registerProxy(op, { name: "site-a", description: "Hall 3 printers", issuer: "proxy-ca" });
    expect((await events(p.id)).map((e) => e.action)).toEqual(["proxy.register"]);
    expect(JSON.parse((await events(p.id))[0].after!)).toEqual({ name: "site-a", description: "Hall 3 printers", issuer: "proxy-ca" });
    await expectInputError(() => registerProxy(op, { name: "site-a" }), "name", /already registered/);
    await expectInputError(() => registerProxy(op, { name: "CN=x, O=y" }), "name", /letters, digits/);
    await expectInputError(() => registerProxy(op, { name: "site-b", issuer: "nope" }), "issuer", /no issuer named "nope"/);
    await expect(registerProxy(auditor, { name: "site-c" })).rejects.toBeInstanceOf(ForbiddenError);
    expect((await listProxies(op)).map((r) => r.name)).toEqual(["site-a"]);
  });
});

describe("editing a proxy", () => {
  it("routes: checked field by field with the proxy's own address parser; only changes are audited", async () => {
    const { id } = await registerProxy(op, { name: "routes-1" });
    await expectInputError(() => updateProxy(op, id, { routes: '[{"name":"web","listen":"127.0.0.1:8443","upstream":"no-port"}]' }), "routes[0].upstream", /HOST:PORT/);
    await expectInputError(() => updateProxy(op, id, { routes: '[{"name":"web","listen":"127.0.0.1:1","upstream":"a:1","sni":"x"}]' }), "routes[0].sni", /unknown key/);
    await expectInputError(() => updateProxy(op, id, { routes: "[{" }), "routes", /not valid JSON/);
    const routes = [{ name: "web", listen: "127.0.0.1:8443", upstream: "printers.example:443", servername: "printers.example" }];
    await updateProxy(op, id, { routes: JSON.stringify(routes) });
    await updateProxy(op, id, { routes: JSON.stringify(routes) }); // unchanged: no second entry
    expect((await proxyDetail(op, id)).routes).toEqual(routes);
    const ev = await events(id);
    expect(ev.map((e) => e.action)).toEqual(["proxy.register", "proxy.update"]);
    expect(JSON.parse(ev[1].before!)).toEqual({ routes: [] });
    expect(JSON.parse(ev[1].after!)).toEqual({ routes });
  });

  it("policy: errors name the field; each change moves the version on and is audited with before/after", async () => {
    const { id } = await registerProxy(op, { name: "policy-1" });
    await expectInputError(() => setProxyPolicy(op, id, '{"default":"allow","rules":[{"source":"10.0.0.300","answer":"deny"}]}'), "policy.rules[0].source", /IP address or CIDR/);
    await expectInputError(() => setProxyPolicy(op, id, '{"default":"maybe","rules":[]}'), "policy.default");
    expect((await proxyDetail(op, id)).policyVersion).toBe(0);
    const policy = { default: "allow", rules: [{ source: "10.0.0.0/8", answer: "deny" }] };
    expect(await setProxyPolicy(op, id, JSON.stringify(policy))).toEqual({ policyVersion: 1 });
    expect(await setProxyPolicy(op, id, JSON.stringify(policy, null, 2))).toEqual({ policyVersion: 1 }); // same policy, other spacing
    expect(await setProxyPolicy(op, id, "")).toEqual({ policyVersion: 2 }); // withdrawn: the proxy keeps its own file
    expect((await proxyDetail(op, id)).policy).toBeNull();
    const ev = (await events(id)).filter((e) => e.action === "proxy.policy-change");
    expect(ev.map((e) => [JSON.parse(e.before!), JSON.parse(e.after!)])).toEqual([
      [{ policyVersion: 0, policy: null }, { policyVersion: 1, policy }],
      [{ policyVersion: 1, policy }, { policyVersion: 2, policy: null }],
    ]);
  });
});

describe("the proxy certificate", () => {
  it("is issued here with a generated key: profile proxy, CN = the proxy's name, client and server EKU", async () => {
    const { id } = await registerProxy(op, { name: "cert-1" });
    const { certificateId } = await issueProxyCertificate(op, id, { issuer: "proxy-ca", keyType: "ec-p256" });
    const d = await proxyDetail(op, id);
    expect(d.certificates).toMatchObject([{ id: certificateId, issuer: "proxy-ca", status: "valid", expired: false }]);
    const pem = Buffer.from((await exportCertificate(op, certificateId, "pem")).body).toString();
    const text = opensslOk(["x509", "-noout", "-text", "-purpose"], pem);
    expect(text).toMatch(/Subject: CN ?= ?cert-1\n/);
    expect(text).toMatch(/Extended Key Usage: \n\s+TLS Web Client Authentication, TLS Web Server Authentication\n/);
    expect(text).toMatch(/SSL client : Yes/);
    // Its key leaves only through the audited export, to someone allowed to issue.
    expect(Buffer.from((await exportCertificate(op, certificateId, "key")).body).toString()).toMatch(/BEGIN PRIVATE KEY/);
    expect((await events(id)).map((e) => e.action)).toEqual(["proxy.register", "proxy.certificate-issue"]);
    expect(await db().auditEvent.count({ where: { action: "certificate.issue", targetId: certificateId } })).toBe(1);
    expect((await listProxies(op)).find((r) => r.id === id)?.certificate).toMatchObject({ id: certificateId, status: "valid" });
  });

  it("a refused issuance (unknown CA) leaves neither certificate nor audit entry", async () => {
    const { id } = await registerProxy(op, { name: "cert-2" });
    await expectInputError(() => issueProxyCertificate(op, id, { issuer: "nope" }), "issuer");
    expect((await proxyDetail(op, id)).certificates).toEqual([]);
    expect((await events(id)).map((e) => e.action)).toEqual(["proxy.register"]);
  });
});

describe("deleting a proxy", () => {
  it("forgets it and its decisions, keeps its certificates, and leaves a verifiable audit log", async () => {
    const { id } = await registerProxy(op, { name: "gone-1" });
    await issueProxyCertificate(op, id, { issuer: "proxy-ca" });
    await db().proxyDecision.create({ data: { proxyId: id, seq: 1, at: new Date(), client: "1.2.3.4:5", route: "web", upstream: "u:1", decision: "forwarded", reason: "" } });
    await deleteProxy(op, id);
    await expectInputError(() => proxyDetail(op, id), "id", /no proxy/);
    expect(await db().proxyDecision.count({ where: { proxyId: id } })).toBe(0);
    expect(await db().certificate.count({ where: { commonName: "gone-1", profile: "proxy" } })).toBe(1);
    expect((await events(id)).map((e) => e.action)).toEqual(["proxy.register", "proxy.certificate-issue", "proxy.delete"]);
    expect((await verifyAuditLog(db())).ok).toBe(true);
  });
});
