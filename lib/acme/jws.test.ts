import { beforeAll, describe, expect, it } from "vitest";
import { FlattenedSign } from "jose";
import { db } from "../db";
import { acmeClientFor, acmeTestEnv, type AcmeClient } from "../test/acmeClient";

acmeTestEnv();
let c: AcmeClient;
beforeAll(async () => {
  c = await acmeClientFor();
  await c.register();
});

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
const problem = (r: { status: number; body: unknown }) => [r.status, (r.body as { type?: string }).type?.replace("urn:ietf:params:acme:error:", "")];

describe("ACME refuses bad JWS requests", () => {
  // Each case builds a request for POST-as-GET on the account URL (or newOrder) and expects [status, type].
  const cases: { name: string; send: () => Promise<{ status: number; body: unknown }>; expected: [number, string] }[] = [
    {
      name: "a signature that does not verify",
      send: async () => {
        const jws = await c.jws(c.kid!, undefined);
        const other = await c.jws(c.kid!, { x: 1 });
        return c.send(c.kid!, { ...jws, signature: other.signature });
      },
      expected: [400, "malformed"],
    },
    { name: "a url other than the request's", send: async () => c.send(c.kid!, await c.jws(c.kid!, undefined, { url: c.dir.newOrder })), expected: [403, "unauthorized"] },
    { name: "both jwk and kid", send: async () => c.send(c.kid!, await c.jws(c.kid!, undefined, { header: { jwk: c.key.jwk } })), expected: [400, "malformed"] },
    { name: "neither jwk nor kid", send: async () => c.send(c.kid!, await c.jws(c.kid!, undefined, { header: { kid: undefined } })), expected: [400, "malformed"] },
    { name: "an unknown kid", send: async () => c.send(c.kid!, await c.jws(c.kid!, undefined, { header: { kid: `${c.kid}x` } })), expected: [400, "accountDoesNotExist"] },
    { name: "jwk where an account is needed", send: async () => c.send(c.dir.newOrder, await c.jws(c.dir.newOrder, { identifiers: [] }, { useJwk: true })), expected: [400, "malformed"] },
    {
      name: 'alg "none"',
      send: async () => c.send(c.kid!, { protected: b64({ alg: "none", kid: c.kid, nonce: await c.nonce(), url: c.kid }), payload: "", signature: "" }),
      expected: [400, "badSignatureAlgorithm"],
    },
    {
      name: "alg HS256 (a MAC, not a signature)",
      send: async () => {
        const jws = await new FlattenedSign(new Uint8Array()).setProtectedHeader({ alg: "HS256", kid: c.kid!, nonce: await c.nonce(), url: c.kid! }).sign(new Uint8Array(32));
        return c.send(c.kid!, jws);
      },
      expected: [400, "badSignatureAlgorithm"],
    },
    { name: "no nonce", send: async () => c.send(c.kid!, await c.jws(c.kid!, undefined, { nonce: null })), expected: [400, "badNonce"] },
    { name: "a nonce this server never issued", send: async () => c.send(c.kid!, await c.jws(c.kid!, undefined, { nonce: "AAAAAAAAAAAAAAAAAAAAAA" })), expected: [400, "badNonce"] },
    { name: "the wrong content type", send: async () => c.send(c.kid!, await c.jws(c.kid!, undefined), "application/json"), expected: [415, "malformed"] },
    { name: "a body that is not JSON", send: async () => c.send(c.kid!, "{not json"), expected: [400, "malformed"] },
    { name: "an unprotected header", send: async () => c.send(c.kid!, { ...(await c.jws(c.kid!, undefined)), header: { kid: c.kid } }), expected: [400, "malformed"] },
    { name: "a body over the size limit", send: async () => c.send(c.kid!, { ...(await c.jws(c.kid!, undefined)), payload: "A".repeat(70_000) }), expected: [413, "malformed"] },
    { name: "GET on a POST resource", send: async () => c.request(c.kid!), expected: [405, "malformed"] },
    {
      name: "an RSA key shorter than 2048 bits",
      send: async () => {
        // jose will not sign with such a key: signed by hand with node:crypto.
        const { generateKeyPairSync, sign } = await import("node:crypto");
        const k = generateKeyPairSync("rsa", { modulusLength: 1024 });
        const protectedHeader = b64({ alg: "RS256", jwk: k.publicKey.export({ format: "jwk" }), nonce: await c.nonce(), url: c.dir.newAccount });
        const payload = b64({});
        const signature = sign("sha256", Buffer.from(`${protectedHeader}.${payload}`), k.privateKey).toString("base64url");
        return c.send(c.dir.newAccount, { protected: protectedHeader, payload, signature });
      },
      expected: [400, "badPublicKey"],
    },
  ];
  for (const t of cases) {
    it(`refuses ${t.name}`, async () => {
      const r = await t.send();
      expect(problem(r)).toEqual(t.expected);
      // Even a refusal carries a fresh nonce, so the client can retry.
      expect((r as { headers?: Headers }).headers?.get("replay-nonce")).toBeTruthy();
    });
  }

  it("lists the accepted algorithms with badSignatureAlgorithm", async () => {
    const r = await c.send(c.kid!, { protected: b64({ alg: "none", kid: c.kid, nonce: await c.nonce(), url: c.kid }), payload: "", signature: "" });
    expect(r.body).toMatchObject({ algorithms: ["ES256", "ES384", "RS256", "EdDSA"] });
  });

  it("uses a nonce up exactly once: a replay is badNonce, and of two racing requests one wins", async () => {
    const jws = await c.jws(c.kid!, undefined);
    expect((await c.send(c.kid!, jws)).status).toBe(200);
    expect(problem(await c.send(c.kid!, jws))).toEqual([400, "badNonce"]);
    const nonce = await c.nonce();
    const [a, b] = await Promise.all([c.send(c.kid!, await c.jws(c.kid!, undefined, { nonce })), c.send(c.kid!, await c.jws(c.kid!, undefined, { nonce }))]);
    expect([a.status, b.status].sort()).toEqual([200, 400]);
  });

  it("creates one account when the same key registers twice at once", async () => {
    const k = await acmeClientFor();
    const [a, b] = await Promise.all([k.post(k.dir.newAccount, {}, { useJwk: true }), k.post(k.dir.newAccount, {}, { useJwk: true })]);
    expect([a.status, b.status].sort()).toEqual([200, 201]);
    expect(a.headers.get("location")).toBe(b.headers.get("location"));
  });

  it("accepts ES384, RS256 and EdDSA account keys", async () => {
    for (const alg of ["ES384", "RS256", "EdDSA"] as const) {
      const k = await acmeClientFor(alg);
      expect((await k.register()).status).toBe(201);
      expect((await k.post(k.kid!)).status).toBe(200);
    }
    expect(await db().acmeAccount.count()).toBeGreaterThanOrEqual(4);
  });
});
