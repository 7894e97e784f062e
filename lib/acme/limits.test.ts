import { afterEach, describe, expect, it } from "vitest";
import { db } from "../db";
import { acmeClientFor, acmeTestEnv, type AcmeClient } from "../test/acmeClient";
import { acmeLimits } from "./limits";

/**
 * ACME rate limits (lib/acme/limits.ts) through the real handler: new orders per account,
 * and failed validations per account and identifier, with real http-01 failures (the
 * responder answers the wrong key authorization).
 */
const env = acmeTestEnv();
const problemType = (r: { body: unknown }) => (r.body as { type?: string }).type?.replace("urn:ietf:params:acme:error:", "");
const VARS = ["ROOTLINE_ACME_ORDERS_PER_HOUR", "ROOTLINE_ACME_FAILED_VALIDATIONS_PER_HOUR"];
afterEach(() => {
  for (const v of VARS) delete process.env[v];
});

async function failValidation(c: AcmeClient, name: string) {
  const o = await c.newOrder([name]);
  expect(o.status).toBe(201);
  const authzUrl = (o.body as { authorizations: string[] }).authorizations[0];
  const ch = ((await c.post(authzUrl)).body as { challenges: { url: string; token: string }[] }).challenges[0];
  env.responder.serve(ch.token, "not.the-right-answer");
  await c.post(ch.url, {});
  expect((await c.poll(authzUrl)).body).toMatchObject({ status: "invalid" });
}

describe("ACME rate limits", () => {
  it("refuses an account's new order over the hourly limit with rateLimited and Retry-After; other accounts and 0 are unaffected", async () => {
    process.env.ROOTLINE_ACME_ORDERS_PER_HOUR = "3";
    const c = await acmeClientFor();
    await c.register();
    for (let i = 0; i < 3; i++) expect((await c.newOrder(["a.rootline.test"])).status).toBe(201);
    const before = await db().acmeOrder.count();
    const refused = await c.newOrder(["a.rootline.test"]);
    expect([refused.status, problemType(refused)]).toEqual([429, "rateLimited"]);
    expect((refused.body as { detail: string }).detail).toMatch(/3 orders within the last hour \(ROOTLINE_ACME_ORDERS_PER_HOUR\)/);
    const retry = Number(refused.headers.get("retry-after"));
    expect(retry).toBeGreaterThan(3500);
    expect(retry).toBeLessThanOrEqual(3600);
    expect(await db().acmeOrder.count()).toBe(before); // nothing written
    const other = await acmeClientFor();
    await other.register();
    expect((await other.newOrder(["a.rootline.test"])).status).toBe(201);
    process.env.ROOTLINE_ACME_ORDERS_PER_HOUR = "0";
    expect((await c.newOrder(["a.rootline.test"])).status).toBe(201);
  });

  it("stops new orders for a name whose validation keeps failing for this account, not for other names", async () => {
    process.env.ROOTLINE_ACME_FAILED_VALIDATIONS_PER_HOUR = "2";
    const c = await acmeClientFor();
    await c.register();
    await failValidation(c, "bad.rootline.test");
    await failValidation(c, "bad.rootline.test");
    const refused = await c.newOrder(["www.rootline.test", "bad.rootline.test"]);
    expect([refused.status, problemType(refused)]).toEqual([429, "rateLimited"]);
    expect((refused.body as { detail: string }).detail).toMatch(/validation of dns:bad\.rootline\.test failed 2 times/);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(3500);
    expect((await c.newOrder(["www.rootline.test"])).status).toBe(201);
  });

  it("names a malformed limit in the environment", async () => {
    expect(acmeLimits({})).toEqual({ ordersPerHour: 300, failedValidationsPerHour: 5 });
    expect(() => acmeLimits({ ROOTLINE_ACME_ORDERS_PER_HOUR: "lots" })).toThrow(/ROOTLINE_ACME_ORDERS_PER_HOUR must be a whole number/);
    process.env.ROOTLINE_ACME_FAILED_VALIDATIONS_PER_HOUR = "-1";
    const c = await acmeClientFor();
    await c.register();
    const r = await c.newOrder(["a.rootline.test"]);
    expect([r.status, problemType(r)]).toEqual([500, "serverInternal"]);
    expect((r.body as { detail: string }).detail).toMatch(/ROOTLINE_ACME_FAILED_VALIDATIONS_PER_HOUR/);
  });
});
