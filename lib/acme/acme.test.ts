import { describe, expect, it, vi } from "vitest";
import { calculateJwkThumbprint } from "jose";
import { db } from "../db";
import { createIssuer } from "../issuers/service";
import { parseCertificateChain } from "../pki/certificate";
import { verifyAuditLog } from "../audit";
import { acmeClientFor, acmeCsr, acmeKey, AcmeClient, ISSUER, acmeTestEnv, validatedOrder } from "../test/acmeClient";
import { acmeHandler } from "./http";

const env = acmeTestEnv();

const problemType = (r: { body: unknown }) => (r.body as { type?: string }).type?.replace("urn:ietf:params:acme:error:", "");

describe("ACME directory and nonces", () => {
  it("serves the directory with every resource, EAB flag, a nonce and the index link", async () => {
    const c = await acmeClientFor();
    const r = await c.request(c.directoryUrl);
    expect(r.status).toBe(200);
    const base = `http://acme.test/acme/${ISSUER}`;
    expect(r.body).toEqual({ newNonce: `${base}/new-nonce`, newAccount: `${base}/new-account`, newOrder: `${base}/new-order`, revokeCert: `${base}/revoke-cert`, keyChange: `${base}/key-change`, renewalInfo: `${base}/renewal-info`, meta: { externalAccountRequired: false } });
    expect(r.headers.get("replay-nonce")).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(r.headers.get("link")).toBe(`<${base}/directory>;rel="index"`);
    const head = await c.request(`${base}/new-nonce`, { method: "HEAD" });
    expect([head.status, head.headers.get("cache-control")]).toEqual([200, "no-store"]);
    const get = await c.request(`${base}/new-nonce`);
    expect(get.status).toBe(204);
    expect(get.headers.get("replay-nonce")).not.toBe(head.headers.get("replay-nonce"));
  });

  it("answers 404 for an issuer without ACME, with no nonce", async () => {
    await createIssuer({ kind: "cli", name: "t", role: "administrator" }, { name: "no-acme", keyType: "ec-p256" });
    const c = new AcmeClient(acmeHandler, "no-acme", await acmeKey());
    const r = await c.request(c.directoryUrl);
    expect([r.status, problemType(r), r.headers.get("content-type"), r.headers.get("replay-nonce")]).toEqual([404, "malformed", "application/problem+json", null]);
  });
});

describe("ACME accounts", () => {
  it("creates, finds, updates and deactivates an account, each audited", async () => {
    const c = await acmeClientFor();
    expect((await c.register({ onlyReturnExisting: true })).status).toBe(400);
    const created = await c.register({ termsOfServiceAgreed: true, contact: ["mailto:ops@rootline.test"] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: "valid", contact: ["mailto:ops@rootline.test"] });
    expect(c.kid).toMatch(/\/account\/\w+$/);
    const again = await c.register({ onlyReturnExisting: true });
    expect([again.status, again.headers.get("location")]).toEqual([200, c.kid]);

    expect(problemType(await c.post(c.kid!, { contact: ["tel:+49"] }))).toBe("unsupportedContact");
    const updated = await c.post(c.kid!, { contact: ["mailto:pki@rootline.test"] });
    expect(updated.body).toMatchObject({ contact: ["mailto:pki@rootline.test"] });
    const read = await c.post(c.kid!);
    expect(read.body).toMatchObject({ status: "valid", contact: ["mailto:pki@rootline.test"] });

    const deactivated = await c.post(c.kid!, { status: "deactivated" });
    expect(deactivated.body).toMatchObject({ status: "deactivated" });
    const after = await c.post(c.dir.newOrder, { identifiers: [{ type: "dns", value: "app.rootline.test" }] });
    expect([after.status, problemType(after)]).toEqual([403, "unauthorized"]);

    const id = c.kid!.split("/").pop()!;
    const events = await db().auditEvent.findMany({ where: { targetId: id }, orderBy: { seq: "asc" } });
    expect(events.map((e) => [e.action, e.actor])).toEqual([
      ["acme.account-create", `device:acme:${id}`],
      ["acme.account-update", `device:acme:${id}`],
      ["acme.account-deactivate", `device:acme:${id}`],
    ]);
  });

  it("rolls the account key over (keyChange with the inner JWS) and refuses the old key afterwards", async () => {
    const c = await acmeClientFor("ES256");
    await c.register();
    const oldKey = c.key;
    const newKey = await acmeKey("RS256");
    const url = c.dir.keyChange;
    const inner = await c.jws(url, { account: c.kid, oldKey: oldKey.jwk }, { key: newKey, useJwk: true, nonce: null });
    const r = await c.post(url, inner);
    expect(r.status).toBe(200);
    const row = await db().acmeAccount.findUniqueOrThrow({ where: { id: c.kid!.split("/").pop()! } });
    expect(row.jwkThumbprint).toBe(await calculateJwkThumbprint(newKey.jwk, "sha256"));
    expect(problemType(await c.post(c.kid!))).toBe("malformed"); // the old key no longer verifies
    c.key = newKey;
    expect((await c.post(c.kid!)).status).toBe(200);
    // The new key now finds the same account; the old one registers afresh.
    const byNew = new AcmeClient(acmeHandler, ISSUER, newKey);
    expect((await byNew.register({ onlyReturnExisting: true })).headers.get("location")).toBe(c.kid);
    expect(await db().auditEvent.count({ where: { action: "acme.account-key-change", targetId: row.id } })).toBe(1);
  });

  it("refuses a key change whose inner JWS names another account or the wrong old key", async () => {
    const c = await acmeClientFor();
    await c.register();
    const newKey = await acmeKey();
    const other = await acmeKey();
    const wrongOld = await c.jws(c.dir.keyChange, { account: c.kid, oldKey: other.jwk }, { key: newKey, useJwk: true, nonce: null });
    expect(problemType(await c.post(c.dir.keyChange, wrongOld))).toBe("malformed");
    const withNonce = await c.jws(c.dir.keyChange, { account: c.kid, oldKey: c.key.jwk }, { key: newKey, useJwk: true });
    expect(problemType(await c.post(c.dir.keyChange, withNonce))).toBe("malformed");
  });
});

describe("ACME orders: http-01, finalize, download, revoke", () => {
  it("issues through a real http-01 validation, serves the chain, and revokes by account", async () => {
    const c = await acmeClientFor();
    await c.register();
    const { order, certKeys } = await validatedOrder(c, env.responder, ["app.rootline.test", "www.rootline.test"]);
    expect(order.status).toBe("valid");
    const chain = await c.post(order.certificate);
    expect([chain.status, chain.headers.get("content-type")]).toEqual([200, "application/pem-certificate-chain"]);
    const certs = parseCertificateChain(chain.text);
    expect(certs).toHaveLength(2);
    expect(certs[0].subject).toBe("CN=app.rootline.test");
    expect(certs[0].sans).toEqual([{ type: "dns", value: "app.rootline.test" }, { type: "dns", value: "www.rootline.test" }]);
    expect(certKeys).toBeTruthy();
    expect(env.responder.hits.some((h) => h.startsWith(`www.rootline.test:${env.responder.port} /.well-known/acme-challenge/`))).toBe(true);
    // Certificates are downloaded with POST-as-GET only.
    expect((await c.post(order.certificate, {})).status).toBe(400);

    const der = Buffer.from(certs[0].der).toString("base64url");
    const revoked = await c.post(c.dir.revokeCert, { certificate: der, reason: 4 });
    expect(revoked.status).toBe(200);
    const row = await db().certificate.findFirstOrThrow({ where: { serial: certs[0].serial, issuer: { name: ISSUER } } });
    expect([row.status, row.revocationReason]).toEqual(["revoked", "superseded"]);
    const again = await c.post(c.dir.revokeCert, { certificate: der });
    expect(problemType(again)).toBe("alreadyRevoked");
    const events = await db().auditEvent.findMany({ where: { action: { in: ["certificate.issue", "certificate.revoke"] }, targetId: row.id }, orderBy: { seq: "asc" } });
    const id = c.kid!.split("/").pop();
    expect(events.map((e) => [e.action, e.actor])).toEqual([
      ["certificate.issue", `device:acme:${id}`],
      ["certificate.revoke", `device:acme:${id}`],
    ]);
  });

  it("revokes by the certificate's key (jwk), and refuses another key and another account", async () => {
    const c = await acmeClientFor();
    await c.register();
    const { certDer, certKeys } = await validatedOrder(c, env.responder, ["key.rootline.test"]);
    const certificate = Buffer.from(certDer).toString("base64url");
    const stranger = await acmeClientFor();
    await stranger.register();
    expect(problemType(await stranger.post(stranger.dir.revokeCert, { certificate }))).toBe("unauthorized");
    const otherKey = await acmeKey();
    expect(problemType(await stranger.post(stranger.dir.revokeCert, { certificate }, { key: otherKey, useJwk: true }))).toBe("unauthorized");
    expect(problemType(await stranger.post(stranger.dir.revokeCert, { certificate, reason: 7 }, { key: { alg: "ES256", privateKey: certKeys.privateKey, jwk: await exportPublic(certKeys) }, useJwk: true }))).toBe("badRevocationReason");
    const r = await stranger.post(stranger.dir.revokeCert, { certificate, reason: 1 }, { key: { alg: "ES256", privateKey: certKeys.privateKey, jwk: await exportPublic(certKeys) }, useJwk: true });
    expect(r.status).toBe(200);
    const row = await db().certificate.findFirstOrThrow({ where: { fingerprintSha256: { not: "" }, der: Buffer.from(certDer) } });
    expect([row.status, row.revocationReason]).toEqual(["revoked", "keyCompromise"]);
  });

  it("marks the challenge, authorization and order invalid when the key authorization is wrong", async () => {
    const c = await acmeClientFor();
    await c.register();
    const o = await c.newOrder(["bad.rootline.test"]);
    expect([o.status, o.headers.get("retry-after")]).toEqual([201, "1"]);
    const authz = await c.post((o.body as { authorizations: string[] }).authorizations[0]);
    const ch = (authz.body as { challenges: { type: string; url: string; token: string }[] }).challenges;
    expect(ch.map((x) => x.type)).toEqual(["http-01"]);
    env.responder.serve(ch[0].token, "not.the-right-answer");
    const started = await c.post(ch[0].url, {});
    expect(started.body).toMatchObject({ status: "processing" });
    expect(started.headers.get("link")).toContain('rel="up"');
    const done = await c.poll((o.body as { authorizations: string[] }).authorizations[0]);
    expect(done.body).toMatchObject({ status: "invalid", challenges: [{ status: "invalid", error: { type: "urn:ietf:params:acme:error:incorrectResponse" } }] });
    const order = await c.post(o.headers.get("location")!);
    expect(order.body).toMatchObject({ status: "invalid" });
    // finalize before ready: orderNotReady.
    const csr = await acmeCsr(["bad.rootline.test"]);
    expect(problemType(await c.post((o.body as { finalize: string }).finalize, { csr: Buffer.from(csr.der).toString("base64url") }))).toBe("orderNotReady");
  });

  it("restarts a validation a dead process left processing, once, when the authorization is read", async () => {
    const c = await acmeClientFor();
    await c.register();
    const o = await c.newOrder(["a.rootline.test"]);
    const authzUrl = (o.body as { authorizations: string[] }).authorizations[0];
    const ch = ((await c.post(authzUrl)).body as { challenges: { url: string; token: string }[] }).challenges[0];
    // As a process killed mid-fetch leaves it: processing, claimed two minutes ago, nothing running.
    const id = ch.url.split("/").pop()!;
    await db().acmeChallenge.update({ where: { id }, data: { status: "processing", processingSince: new Date(Date.now() - 120_000) } });
    env.responder.serve(ch.token, `${ch.token}.${await calculateJwkThumbprint(c.key.jwk, "sha256")}`);
    const done = await c.poll(authzUrl);
    expect(done.body).toMatchObject({ status: "valid", challenges: [{ status: "valid" }] });
    // A fresh claim (another instance's validation still running) is left alone.
    const o2 = await c.newOrder(["b.rootline.test"]);
    const authz2 = (o2.body as { authorizations: string[] }).authorizations[0];
    const ch2 = ((await c.post(authz2)).body as { challenges: { url: string }[] }).challenges[0];
    await db().acmeChallenge.update({ where: { id: ch2.url.split("/").pop()! }, data: { status: "processing", processingSince: new Date() } });
    await c.post(authz2);
    expect((await db().acmeChallenge.findUniqueOrThrow({ where: { id: ch2.url.split("/").pop()! } })).status).toBe("processing");
  });

  it("refuses a CSR that does not name exactly the order's identifiers, then accepts a good one", async () => {
    const c = await acmeClientFor();
    await c.register();
    const { order, finalize } = await validatedOrder(c, env.responder, ["a.rootline.test", "b.rootline.test"], { finalize: false });
    const send = async (names: string[], cn?: string | null) => c.post(finalize, { csr: Buffer.from((await acmeCsr(names, { cn })).der).toString("base64url") });
    const short = await send(["a.rootline.test"]);
    expect([problemType(short), (short.body as { detail: string }).detail]).toEqual(["badCSR", expect.stringContaining("missing dns:b.rootline.test")]);
    expect(problemType(await send(["a.rootline.test", "b.rootline.test", "c.rootline.test"]))).toBe("badCSR");
    expect(problemType(await send(["a.rootline.test", "b.rootline.test"], "other.rootline.test"))).toBe("badCSR");
    // No CN at all: the certificate's CN is the order's first identifier.
    const ok = await send(["b.rootline.test", "a.rootline.test"], null);
    expect(ok.body).toMatchObject({ status: "valid" });
    const cert = parseCertificateChain((await c.post((ok.body as { certificate: string }).certificate)).text)[0];
    expect(cert.subject).toBe("CN=a.rootline.test");
    expect(order).toBeTruthy();
  });

  it("validates and certifies an IP identifier (RFC 8738)", async () => {
    const c = await acmeClientFor();
    await c.register();
    const { certDer } = await validatedOrder(c, env.responder, ["127.0.0.1"]);
    const cert = parseCertificateChain(Buffer.from(certDer))[0];
    expect([cert.subject, cert.sans]).toEqual(["CN=127.0.0.1", [{ type: "ip", value: "127.0.0.1" }]]);
    expect(env.responder.hits.some((h) => h.startsWith(`127.0.0.1:${env.responder.port} /.well-known/acme-challenge/`))).toBe(true);
  });

  it("refuses identifiers outside the policy with rejectedIdentifier and subproblems", async () => {
    const c = await acmeClientFor();
    await c.register();
    const r = await c.newOrder(["app.rootline.test", "evil.example"]);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ type: "urn:ietf:params:acme:error:rejectedIdentifier", subproblems: [{ type: "urn:ietf:params:acme:error:rejectedIdentifier", identifier: { type: "dns", value: "evil.example" } }] });
    expect(problemType(await c.newOrder(["app.rootline.test"], { notAfter: "2030-01-01T00:00:00Z" }))).toBe("malformed");
  });
});

async function exportPublic(keys: CryptoKeyPair) {
  const { exportJWK } = await import("jose");
  return exportJWK(keys.publicKey);
}

describe("unexpected failures", () => {
  it("answer serverInternal without the error's details", async () => {
    const c = await acmeClientFor();
    const spy = vi.spyOn(db(), "$transaction").mockRejectedValueOnce(new Error("secret detail of the database"));
    const quiet = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const r = await c.register();
      expect([r.status, problemType(r)]).toEqual([500, "serverInternal"]);
      expect(r.text).not.toContain("secret");
    } finally {
      spy.mockRestore();
      quiet.mockRestore();
    }
  });
});

describe("the audit log", () => {
  it("still verifies after every ACME change", async () => {
    expect(await verifyAuditLog(db())).toMatchObject({ ok: true });
  });
});

describe("External Account Binding and housekeeping", () => {
  it("requires an EAB when the policy says so, and binds the key to the new account", async () => {
    const { setAcmePolicy } = await import("./policy");
    const { createEabKey } = await import("./eab");
    const { FlattenedSign } = await import("jose");
    await createIssuer(env.admin, { name: "eab-ca", keyType: "ec-p256" });
    await setAcmePolicy(env.admin, "eab-ca", { allowDns: "rootline.test", requireEab: true });
    const c = await acmeClientFor("ES256", "eab-ca");
    expect(c.dir.meta).toEqual({ externalAccountRequired: true });
    const without = await c.register();
    expect([without.status, problemType(without)]).toEqual([400, "externalAccountRequired"]);
    const { keyId, hmacKey } = await createEabKey(env.admin, "eab-ca", "web-1");
    const eab = await new FlattenedSign(new TextEncoder().encode(JSON.stringify(c.key.jwk))).setProtectedHeader({ alg: "HS256", kid: keyId, url: c.dir.newAccount }).sign(Buffer.from(hmacKey, "base64url"));
    const r = await c.register({ termsOfServiceAgreed: true, externalAccountBinding: eab });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ externalAccountBinding: { kid: keyId } });
    const key = await db().acmeEabKey.findUniqueOrThrow({ where: { id: keyId } });
    expect(key.accountId).toBe(c.kid!.split("/").pop());
    // The key binds once: a second account with it is refused.
    const d = await acmeClientFor("ES256", "eab-ca");
    const eab2 = await new FlattenedSign(new TextEncoder().encode(JSON.stringify(d.key.jwk))).setProtectedHeader({ alg: "HS256", kid: keyId, url: d.dir.newAccount }).sign(Buffer.from(hmacKey, "base64url"));
    expect(problemType(await d.register({ externalAccountBinding: eab2 }))).toBe("unauthorized");
  });

  it("purges expired nonces (and refuses them before that) and dead orders", async () => {
    const { purgeAcme } = await import("./purge");
    const c = await acmeClientFor();
    await c.register();
    await db().acmeNonce.create({ data: { value: "expiredNonce0000000000", expiresAt: new Date(Date.now() - 1000) } });
    expect(problemType(await c.post(c.kid!, undefined, { nonce: "expiredNonce0000000000" }))).toBe("badNonce");
    const dead = await c.newOrder(["other.rootline.test"]);
    await db().acmeOrder.update({ where: { id: dead.headers.get("location")!.split("/").pop()! }, data: { status: "invalid", expires: new Date(Date.now() - 8 * 86_400_000) } });
    const r = await purgeAcme();
    expect(r.nonces).toBeGreaterThanOrEqual(1);
    expect(r.orders).toBe(1);
    expect(await db().acmeNonce.count({ where: { value: "expiredNonce0000000000" } })).toBe(0);
  });
});
