import { exportJWK, FlattenedSign, generateKeyPair, type JWK } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "../db";
import { createIssuer } from "../issuers/service";
import { bindEabKey, createEabKey, listEabKeys, revokeEabKey, verifyExternalAccountBinding } from "./eab";
import { AcmeProblem } from "./problem";

const admin = { kind: "cli", name: "t", role: "administrator" } as const;
const URL = "https://ca.test/acme/eab-ca/new-account";

/** What an ACME client puts in newAccount's externalAccountBinding. */
async function eabJws(o: { kid: string; hmacKey: string; jwk: JWK; url?: string; alg?: string; extra?: Record<string, unknown> }) {
  return new FlattenedSign(new TextEncoder().encode(JSON.stringify(o.jwk)))
    .setProtectedHeader({ alg: o.alg ?? "HS256", kid: o.kid, url: o.url ?? URL, ...o.extra })
    .sign(Buffer.from(o.hmacKey, "base64url"));
}

async function accountJwk(): Promise<JWK> {
  const { publicKey } = await generateKeyPair("ES256", { extractable: true });
  return exportJWK(publicKey);
}

async function problemOf(p: Promise<unknown>): Promise<{ type: string; status: number; detail: string }> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e, "expected an AcmeProblem").toBeInstanceOf(AcmeProblem);
  const ap = e as AcmeProblem;
  return { type: ap.type, status: ap.status, detail: ap.detail };
}

let issuerId: string;
let otherId: string;

beforeAll(async () => {
  issuerId = (await createIssuer(admin, { name: "eab-ca", keyType: "ec-p256" })).id;
  otherId = (await createIssuer(admin, { name: "eab-other", keyType: "ec-p256" })).id;
});

const verify = (issuer: string, eab: unknown, jwk: JWK, url = URL) => db().$transaction((tx) => verifyExternalAccountBinding(tx, issuer, eab, jwk as JsonWebKey, url));

describe("External Account Binding (RFC 8555 7.3.4)", () => {
  it("accepts a good binding, binds it once, and refuses it the second time", async () => {
    const key = await createEabKey(admin, "eab-ca", "web-01");
    expect(key.keyId).toMatch(/^eab_[A-Za-z0-9_-]{16}$/);
    expect(Buffer.from(key.hmacKey, "base64url")).toHaveLength(32);
    const jwk = await accountJwk();
    const eab = await eabJws({ kid: key.keyId, hmacKey: key.hmacKey, jwk });
    expect(await verify(issuerId, eab, jwk)).toEqual({ keyId: key.keyId });
    // The account row is the ACME server's; a stand-in here.
    const acct = await db().acmeAccount.create({ data: { issuerId, jwkThumbprint: "t1", jwk: JSON.stringify(jwk), eabKeyId: key.keyId } });
    await db().$transaction((tx) => bindEabKey(tx, key.keyId, acct.id));
    expect(await problemOf(db().$transaction((tx) => bindEabKey(tx, key.keyId, "another")))).toMatchObject({ type: "unauthorized" });
    expect(await problemOf(verify(issuerId, await eabJws({ kid: key.keyId, hmacKey: key.hmacKey, jwk: await accountJwk() }), jwk))).toMatchObject({ type: "unauthorized" });
    const [listed] = await listEabKeys("eab-ca");
    expect(listed).toMatchObject({ keyId: key.keyId, label: "web-01", status: "used", accountId: acct.id });
    expect(JSON.stringify(await db().auditEvent.findMany({ where: { action: "acme.eab-key-create" } }))).not.toContain(key.hmacKey);
  });

  it("refuses every bad binding with the right problem", async () => {
    const key = await createEabKey(admin, "eab-ca", "");
    const revoked = await createEabKey(admin, "eab-ca", "gone");
    await revokeEabKey(admin, revoked.keyId);
    const foreign = await createEabKey(admin, "eab-other", "");
    const jwk = await accountJwk();
    const wrongMac = Buffer.alloc(32, 7).toString("base64url");
    const good = await eabJws({ kid: key.keyId, hmacKey: key.hmacKey, jwk });
    const table: [string, unknown, string, RegExp][] = [
      ["wrong MAC", await eabJws({ kid: key.keyId, hmacKey: wrongMac, jwk }), "unauthorized", /MAC/],
      ["unknown kid", await eabJws({ kid: "eab_nope", hmacKey: key.hmacKey, jwk }), "unauthorized", /unknown key/],
      ["revoked key", await eabJws({ kid: revoked.keyId, hmacKey: revoked.hmacKey, jwk }), "unauthorized", /revoked/],
      ["another issuer's key", await eabJws({ kid: foreign.keyId, hmacKey: foreign.hmacKey, jwk }), "unauthorized", /unknown key/],
      ["payload is another key", await eabJws({ kid: key.keyId, hmacKey: key.hmacKey, jwk: await accountJwk() }), "unauthorized", /not this account's key/],
      ["url of another resource", await eabJws({ kid: key.keyId, hmacKey: key.hmacKey, jwk, url: "https://ca.test/acme/eab-ca/new-order" }), "unauthorized", /url/],
      ["alg HS512", await eabJws({ kid: key.keyId, hmacKey: key.hmacKey, jwk, alg: "HS512" }), "malformed", /HS256/],
      ["a nonce in the header", await eabJws({ kid: key.keyId, hmacKey: key.hmacKey, jwk, extra: { nonce: "abc" } }), "malformed", /nonce/],
      ["not a JWS", { protected: good.protected, payload: good.payload }, "malformed", /flattened JWS/],
      ["tampered payload", { ...good, payload: Buffer.from(JSON.stringify(jwk) + " ").toString("base64url") }, "unauthorized", /MAC/],
    ];
    for (const [what, eab, type, detail] of table) {
      const p = await problemOf(verify(issuerId, eab, jwk));
      expect({ what, type: p.type }).toEqual({ what, type });
      expect(p.detail, what).toMatch(detail);
    }
    // The good one still passes: none of the above used it up; the foreign key works for its own CA.
    expect(await verify(issuerId, good, jwk)).toEqual({ keyId: key.keyId });
    expect(await verify(otherId, await eabJws({ kid: foreign.keyId, hmacKey: foreign.hmacKey, jwk }), jwk)).toEqual({ keyId: foreign.keyId });
  });

  it("bindEabKey is race-safe: of two concurrent bindings exactly one wins", async () => {
    const key = await createEabKey(admin, "eab-ca", "race");
    const results = await Promise.allSettled(["a1", "a2"].map((acct) => db().$transaction((tx) => bindEabKey(tx, key.keyId, acct))));
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
  });

  it("revoking a used key deactivates the account it bound, audited; twice is a conflict", async () => {
    const key = await createEabKey(admin, "eab-ca", "to revoke");
    const acct = await db().acmeAccount.create({ data: { issuerId, jwkThumbprint: "t2", jwk: "{}", eabKeyId: key.keyId } });
    await db().$transaction((tx) => bindEabKey(tx, key.keyId, acct.id));
    await revokeEabKey(admin, key.keyId);
    expect((await db().acmeAccount.findUniqueOrThrow({ where: { id: acct.id } })).status).toBe("deactivated");
    const ev = await db().auditEvent.findFirst({ where: { action: "acme.eab-key-revoke" }, orderBy: { seq: "desc" } });
    expect(JSON.parse(ev!.after!)).toMatchObject({ keyId: key.keyId, accountId: acct.id, accountDeactivated: true });
    await expect(revokeEabKey(admin, key.keyId)).rejects.toThrow(/already revoked/);
    await expect(createEabKey(admin, "eab-ca", "x".repeat(101))).rejects.toMatchObject({ field: "label" });
  });
});
