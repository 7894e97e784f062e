import { describe, expect, it } from "vitest";
import { db } from "../db";
import { startRevocation } from "../revocation/prefix";
import { revocationStatus } from "../revocation/status";
import { parseCertificateChain } from "../pki/certificate";
import { acmeClientFor, acmeCsr, ISSUER, acmeTestEnv, validatedOrder } from "../test/acmeClient";
import { certIdOf } from "./renewalInfo";

const env = acmeTestEnv();

const type = (r: { body: unknown }) => (r.body as { type?: string }).type?.replace("urn:ietf:params:acme:error:", "");
const b64 = (d: Uint8Array) => Buffer.from(d).toString("base64url");

describe("ACME renewals settle a renew-first prefix revocation", () => {
  it("ARI says renew now; `replaces`, then the same identifiers, settle each renewal request and the RN moves", async () => {
    const c = await acmeClientFor();
    await c.register();
    const first = await validatedOrder(c, env.responder, ["renew.rootline.test"]);
    const second = await validatedOrder(c, env.responder, ["other.rootline.test"]);
    const [s1, s2] = [parseCertificateChain(Buffer.from(first.certDer)).at(0)!.serial, parseCertificateChain(Buffer.from(second.certDer)).at(0)!.serial];
    const op = { kind: "user", name: "op@x", role: "operator" } as const;
    const started = await startRevocation(op, { issuer: ISSUER, serial: s2, reason: "superseded", order: "renew-first" });
    expect(started.awaiting).toEqual([s1, s2]);

    // ARI: the window has started.
    const certId = certIdOf(first.certDer);
    const ari = await c.request(`${c.dir.renewalInfo}/${certId}`);
    expect(ari.status).toBe(200);
    expect(Number(ari.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Date.parse((ari.body as { suggestedWindow: { start: string } }).suggestedWindow.start)).toBeLessThanOrEqual(Date.now());

    // An order that replaces a certificate of another issuer, or an unknown one, is malformed.
    expect(type(await c.newOrder(["renew.rootline.test"], { replaces: "AAAA.AQ" }))).toBe("malformed");

    // Renewal by `replaces`: the replacement keeps the subject, is recorded as via acme, supersedes the old one.
    const renewed = await validatedOrder(c, env.responder, ["renew.rootline.test"], { extra: { replaces: certId } });
    expect(renewed.order.replaces).toBe(certId);
    const replacement = await db().certificate.findFirstOrThrow({ where: { der: Buffer.from(renewed.certDer) } });
    const old1 = await db().certificate.findFirstOrThrow({ where: { serial: s1, issuer: { name: ISSUER } } });
    expect([old1.status, replacement.replacesId, replacement.subject]).toEqual(["superseded", old1.id, old1.subject]);
    const req1 = await db().renewalRequest.findFirstOrThrow({ where: { certificateId: old1.id } });
    expect([req1.status, req1.renewedVia, req1.replacementId]).toEqual(["renewed", "acme", replacement.id]);
    expect(type(await c.newOrder(["renew.rootline.test"], { replaces: certId }))).toBe("alreadyReplaced");

    // The same identifiers from the same account, without `replaces`: first with the old key (refused: a renewal needs a new key) …
    const again = await validatedOrder(c, env.responder, ["other.rootline.test"], { finalize: false });
    const sameKey = await c.post(again.finalize, { csr: b64((await acmeCsr(["other.rootline.test"], { keys: second.certKeys })).der) });
    expect([type(sameKey), (sameKey.body as { detail: string }).detail]).toEqual(["badCSR", expect.stringContaining("new key pair")]);
    expect((await c.post(again.orderUrl)).body).toMatchObject({ status: "ready" });
    // … then with a new key: the last awaited renewal, so the revocation completes and the RN moves past s2.
    const done = await c.post(again.finalize, { csr: b64((await acmeCsr(["other.rootline.test"])).der) });
    expect(done.body).toMatchObject({ status: "valid" });
    const status = await revocationStatus(ISSUER);
    expect(status.pending).toEqual([]);
    const issuer = await db().issuer.findUniqueOrThrow({ where: { name: ISSUER } });
    expect(issuer.revocationNumber).toBe(s2 + 1n);
    const renewEvents = await db().auditEvent.findMany({ where: { action: "certificate.renew" } });
    expect(renewEvents.map((e) => JSON.parse(e.after!).via)).toEqual(["acme", "acme"]);
  });

  it("an ordinary re-order with nothing pending issues a new certificate and supersedes nothing", async () => {
    const c = await acmeClientFor();
    await c.register();
    const a = await validatedOrder(c, env.responder, ["b.rootline.test"]);
    const b = await validatedOrder(c, env.responder, ["b.rootline.test"]);
    const rows = await db().certificate.findMany({ where: { der: { in: [Buffer.from(a.certDer), Buffer.from(b.certDer)] } } });
    expect(rows.map((r) => [r.status, r.replacesId])).toEqual([["valid", null], ["valid", null]]);
  });
});
