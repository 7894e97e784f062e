import { beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../auth/actor";
import { createApiToken, revokeApiToken } from "../auth/apiTokens";
import { createFirstAdministrator } from "../auth/users";
import { db } from "../db";
import { ForbiddenError } from "../errors";
import { createIssuer } from "../issuers/service";
import { authenticateEnrolment } from "./auth";
import { createEstSecret, estSecretStatus } from "./secrets";

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
const cli: Actor = { kind: "cli", name: "test", role: "administrator" };
let a: { id: string; name: string };
let b: { id: string; name: string };
let secretA: string;
let operatorToken: string;
let auditorToken: string;
let revokedToken: string;
let firstSecret: string;

beforeAll(async () => {
  const admin = await createFirstAdministrator({ email: "admin@example.com", password: "correct horse battery" });
  const owner: Actor & { userId: string } = { kind: "user", name: admin.email, role: "administrator", userId: admin.id };
  a = await createIssuer(cli, { name: "est-a", keyType: "ec-p256" });
  b = await createIssuer(cli, { name: "est-b", keyType: "ec-p256" });
  const first = await createEstSecret(cli, a.name);
  secretA = (await createEstSecret(cli, a.name)).secret; // replaces `first`
  await createEstSecret(cli, b.name);
  operatorToken = (await createApiToken(owner, { name: "device-fleet", role: "operator" })).token;
  auditorToken = (await createApiToken(owner, { name: "reader", role: "auditor" })).token;
  const revoked = await createApiToken(owner, { name: "old", role: "operator" });
  await revokeApiToken(owner, revoked.info.id);
  revokedToken = revoked.token;
  firstSecret = first.secret;
});

describe("who may simpleenroll", () => {
  const table: [string, () => string | null, number | "secret" | "token"][] = [
    ["no Authorization header", () => null, 401],
    ["a bearer token instead of Basic", () => `Bearer ${operatorToken}`, 401],
    ["Basic without a colon", () => `Basic ${Buffer.from("est").toString("base64")}`, 401],
    ["user est, the current secret", () => basic("est", secretA), "secret"],
    ["user est, a wrong secret", () => basic("est", "est_wrong"), 401],
    ["user est, the replaced secret", () => basic("est", firstSecret), 401],
    ["another user with the secret", () => basic("device", secretA), 401],
    ["an operator API token, any user", () => basic("token", operatorToken), "token"],
    ["an auditor API token", () => basic("token", auditorToken), 403],
    ["a revoked API token", () => basic("token", revokedToken), 401],
  ];
  it.each(table)("%s", async (_what, header, expected) => {
    const r = await authenticateEnrolment(header(), a);
    if (expected === "secret") expect(r).toEqual({ ok: true, actor: { kind: "device", name: expect.stringMatching(/^est:est-a\/est_/), role: "operator" } });
    else if (expected === "token") expect(r).toEqual({ ok: true, actor: { kind: "token", name: "device-fleet", role: "operator" } });
    else expect(r).toMatchObject({ ok: false, status: expected });
  });

  it("an issuer's secret does not open another issuer", async () => {
    expect(await authenticateEnrolment(basic("est", secretA), b)).toMatchObject({ ok: false, status: 401 });
  });
});

describe("enrolment secrets", () => {
  it("one current secret per issuer: the previous one is revoked, use is noted, creation audited without the secret", async () => {
    const status = await estSecretStatus(a.name);
    expect(status?.prefix).toBe(secretA.slice(0, 10));
    expect(status?.lastUsedAt).toBeInstanceOf(Date); // used above
    expect(await db().estSecret.count({ where: { issuerId: a.id, revokedAt: null } })).toBe(1);
    expect(await db().estSecret.count({ where: { issuerId: a.id } })).toBe(2);
    const events = await db().auditEvent.findMany({ where: { action: "est.secret-create", targetId: a.id }, orderBy: { seq: "asc" } });
    expect(events).toHaveLength(2);
    expect(JSON.parse(events[1].after!)).toMatchObject({ issuer: "est-a", prefix: status!.prefix });
    expect(events.map((e) => `${e.before}${e.after}`).join()).not.toContain(secretA);
  });

  it("needs issuers:write, and an existing issuer", async () => {
    await expect(createEstSecret({ kind: "user", name: "auditor@example.com", role: "auditor" }, a.name)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(createEstSecret(cli, "nope")).rejects.toMatchObject({ status: 404, field: "issuer" });
    expect(await estSecretStatus("est-b")).not.toBeNull();
  });
});
