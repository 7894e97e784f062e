import fc from "fast-check";
import { CompactSign } from "jose";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../auth/actor";
import { exportCertificate } from "../certificates";
import { db } from "../db";
import { hostileString, runs } from "../fuzz/arbitraries";
import { createIssuer } from "../issuers/service";
import { REPORT_PATH, signReport } from "../proxy/report";
import { proxyReportRoute } from "./reception";
import { issueProxyCertificate, registerProxy } from "./service";

/**
 * The public report endpoint never answers 5xx and never stores anything for a body that is not
 * a well-formed report signed by a registered proxy's good certificate — hostile bytes, hostile
 * headers, and hostile payloads signed with a real proxy key alike.
 */
const op: Actor = { kind: "user", name: "op@example.com", role: "operator" };
let id: { certPem: string; keyPem: string };
let x5c = "";

const post = (body: string, type = "application/jose") => proxyReportRoute(new Request(`http://127.0.0.1${REPORT_PATH}`, { method: "POST", headers: { "Content-Type": type }, body }));
const signedRaw = (payload: string) => new CompactSign(Buffer.from(payload)).setProtectedHeader({ alg: "ES256", x5c: [x5c] }).sign(createPrivateKey(id.keyPem));

beforeAll(async () => {
  await createIssuer(op, { name: "fuzz-proxy-ca", subject: "CN=Fuzz Proxy CA", keyType: "ec-p256" });
  const { id: proxyId } = await registerProxy(op, { name: "fuzz-proxy" });
  const { certificateId } = await issueProxyCertificate(op, proxyId, { issuer: "fuzz-proxy-ca" });
  const text = async (f: string) => Buffer.from((await exportCertificate(op, certificateId, f)).body).toString();
  id = { certPem: await text("pem"), keyPem: await text("key") };
  x5c = new X509Certificate(id.certPem).raw.toString("base64");
});

describe("POST /api/proxies/report under hostile input", () => {
  it("a signed payload that is not JSON is a 400 naming the body (was a 500)", async () => {
    const r = await post(await signedRaw("not json {"));
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual({ field: "body", error: "the report's payload is not JSON" });
  });

  it("random bodies and JWS-shaped strings: 4xx, nothing stored", async () => {
    const b64 = fc.oneof(hostileString(30), fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b).toString("base64url")));
    await fc.assert(
      fc.asyncProperty(fc.oneof(hostileString(200), fc.tuple(b64, b64, b64).map((p) => p.join(".")), b64.map((h) => `${Buffer.from(JSON.stringify({ alg: "ES256", x5c: [h] })).toString("base64url")}.e30.AAAA`)), async (body) => {
        const r = await post(body);
        expect(r.status).toBeGreaterThanOrEqual(400);
        expect(r.status).toBeLessThan(500);
      }),
      { numRuns: runs(200) },
    );
    expect(await db().proxyDecision.count()).toBe(0);
  });

  it("payloads signed with the real proxy key but malformed: 400 naming the field, nothing stored", async () => {
    const good = { name: "fuzz-proxy", boot: "b", sentAt: new Date().toISOString(), decisions: [], metrics: {}, status: null };
    const decision = { seq: 1, at: new Date().toISOString(), client: "c", route: "r", upstream: "u", serial: null, decision: "forwarded", reason: "" };
    const mutations = fc.oneof(
      fc.array(fc.oneof(fc.integer(), fc.double(), fc.string()) as fc.Arbitrary<unknown>, { minLength: 1, maxLength: 3 }).map((seqs) => ({ decisions: seqs.map((seq) => ({ ...decision, seq })) })),
      fc.record({ decisions: fc.constant([{ ...decision, decision: "maybe" }]) }),
      fc.record({ metrics: fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.constant(null)) as fc.Arbitrary<unknown>, { minKeys: 1 }) }),
      fc.record({ sentAt: hostileString(30) }),
      fc.record({ boot: fc.constantFrom("", "x".repeat(65)) }),
    );
    await fc.assert(
      fc.asyncProperty(mutations, async (m) => {
        const payload = { ...good, ...m };
        const r = await post(await signReport(payload as never, id));
        if (r.status === 200) return; // the mutation happened to be valid (e.g. a positive integer seq)
        expect(r.status).toBe(400);
        expect((await r.json()).field).toBeTruthy();
      }),
      { numRuns: runs(150) },
    );
    expect(await db().proxyDecision.count({ where: { seq: { lt: 0 } } })).toBe(0);
  });
});
