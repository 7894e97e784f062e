import { describe, expect, it } from "vitest";
import { db } from "../db";
import { ForbiddenError } from "../errors";
import { createIssuer } from "../issuers/service";
import { expectInputError } from "../test/pki";
import { acmePolicy, acmePolicyOf, checkIdentifiers, setAcmePolicy, type AcmePolicyView } from "./policy";

const admin = { kind: "cli", name: "t", role: "administrator" } as const;
const auditor = { kind: "user", name: "aud@x", role: "auditor" } as const;

const policy: AcmePolicyView = { issuerId: "i", enabled: true, allowDns: ["rootline.test", ".sub.example"], allowIp: ["10.0.0.0/8", "2001:db8::/32"], profile: null, requireEab: false };

describe("checkIdentifiers: which identifiers the policy lets an order name", () => {
  const table: [string, { type: string; value: string }, string | null][] = [
    ["the suffix itself", { type: "dns", value: "rootline.test" }, null],
    ["a name below the suffix", { type: "dns", value: "app.rootline.test" }, null],
    ["deeper below", { type: "dns", value: "a.b.rootline.test" }, null],
    ["case-insensitive", { type: "dns", value: "APP.Rootline.TEST" }, null],
    ["not on a label boundary", { type: "dns", value: "evilrootline.test" }, "rejectedIdentifier"],
    ["the suffix as a label elsewhere", { type: "dns", value: "rootline.test.evil" }, "rejectedIdentifier"],
    ['".x" allows only names below x', { type: "dns", value: "sub.example" }, "rejectedIdentifier"],
    ['".x": a name below x', { type: "dns", value: "a.sub.example" }, null],
    ["surrounding white space", { type: "dns", value: " app.rootline.test" }, "malformed"],
    ["empty", { type: "dns", value: "" }, "malformed"],
    ["a trailing dot", { type: "dns", value: "app.rootline.test." }, "malformed"],
    ["a wildcard (http-01 cannot prove it)", { type: "dns", value: "*.rootline.test" }, "unsupportedIdentifier"],
    ["Unicode instead of the A-label", { type: "dns", value: "bücher.rootline.test" }, "malformed"],
    ["a valid A-label", { type: "dns", value: "xn--bcher-kva.rootline.test" }, null],
    ["an invalid A-label", { type: "dns", value: "xn--a.rootline.test" }, "malformed"],
    ['"--" reserved in positions 3-4', { type: "dns", value: "ab--c.rootline.test" }, "malformed"],
    ["an underscore", { type: "dns", value: "a_b.rootline.test" }, "malformed"],
    ["an empty label", { type: "dns", value: "a..rootline.test" }, "malformed"],
    ["an IP address sent as dns", { type: "dns", value: "10.1.2.3" }, "malformed"],
    ["IPv4 inside the range", { type: "ip", value: "10.1.2.3" }, null],
    ["IPv4 outside", { type: "ip", value: "11.0.0.1" }, "rejectedIdentifier"],
    ["IPv6 inside the range", { type: "ip", value: "2001:db8::1" }, null],
    ["IPv6 outside", { type: "ip", value: "2001:db9::1" }, "rejectedIdentifier"],
    ["IPv6 not in canonical form (RFC 8738)", { type: "ip", value: "2001:DB8:0::1" }, "malformed"],
    ["not an address", { type: "ip", value: "10.0.0.256" }, "malformed"],
    ["another identifier type", { type: "email", value: "a@rootline.test" }, "unsupportedIdentifier"],
  ];
  it.each(table)("%s", (_what, id, expected) => {
    const p = checkIdentifiers(policy, [id]);
    if (expected === null) return expect(p).toBeNull();
    expect(p?.type).toBe(expected);
    expect(p?.status).toBe(400);
    expect(p?.extra.subproblems).toEqual([{ type: `urn:ietf:params:acme:error:${expected}`, detail: expect.any(String), identifier: id }]);
  });

  it("names every identifier at fault in subproblems; mixed kinds make a compound problem", () => {
    const ids = [{ type: "dns", value: "app.rootline.test" }, { type: "dns", value: "evil.test" }, { type: "dns", value: "*.rootline.test" }];
    const p = checkIdentifiers(policy, ids)!;
    expect(p.toJSON()).toMatchObject({ type: "urn:ietf:params:acme:error:compound", status: 400 });
    expect((p.extra.subproblems as { identifier: unknown }[]).map((s) => s.identifier)).toEqual(ids.slice(1));
    expect(checkIdentifiers(policy, [{ type: "dns", value: "a.test" }, { type: "dns", value: "b.test" }])?.type).toBe("rejectedIdentifier");
  });

  it("refuses an empty order, and everything under a disabled policy", () => {
    expect(checkIdentifiers(policy, [])?.type).toBe("malformed");
    expect(checkIdentifiers({ ...policy, enabled: false }, [{ type: "dns", value: "app.rootline.test" }])?.type).toBe("rejectedIdentifier");
  });
});

describe("setAcmePolicy", () => {
  it("validates, normalises, stores and audits; acmePolicy is null while disabled", async () => {
    const ca = await createIssuer(admin, { name: "acme-pol", keyType: "ec-p256" });
    expect(await acmePolicy(ca.id)).toBeNull();
    expect(await acmePolicyOf("acme-pol")).toMatchObject({ enabled: false, allowDns: [] });
    const set = await setAcmePolicy(admin, "acme-pol", { allowDns: "Rootline.TEST.\n.apps.example, rootline.test", allowIp: ["10.0.0.0/8", "2001:db8::/32"], requireEab: "on" });
    expect(set).toEqual({ issuerId: ca.id, enabled: true, allowDns: ["rootline.test", ".apps.example"], allowIp: ["10.0.0.0/8", "2001:db8::/32"], profile: null, requireEab: true });
    expect(await acmePolicy(ca.id)).toEqual(set);
    const ev = await db().auditEvent.findFirst({ where: { action: "acme.policy-change", targetId: ca.id }, orderBy: { seq: "desc" } });
    expect(JSON.parse(ev!.after!)).toMatchObject({ issuer: "acme-pol", allowDns: ["rootline.test", ".apps.example"], requireEab: true });
    await setAcmePolicy(admin, "acme-pol", { enabled: false, profile: "both" });
    expect(await acmePolicy(ca.id)).toBeNull();
    expect(await acmePolicyOf("acme-pol")).toMatchObject({ enabled: false, profile: "both", requireEab: false });
  });

  it.each([
    [{ allowDns: "*.rootline.test" }, "allowDns", /wildcard/],
    [{ allowDns: "evil..test" }, "allowDns", /empty label/],
    [{ allowDns: "bücher.test" }, "allowDns", /A-label|letters/],
    [{ allowDns: "rootline.test", allowIp: "10.0.0.1/8" }, "allowIp", /did you mean 10\.0\.0\.0\/8/],
    [{ allowDns: "rootline.test", allowIp: "10.0.0.0/33" }, "allowIp", /prefix length/],
    [{}, "allowDns", /at least one/],
    [{ allowDns: "rootline.test", profile: "nope" }, "profile", /unknown profile/],
    [{ allowDns: "rootline.test", profile: "ca" }, "profile", /.+/],
  ])("refuses %j naming the field", async (input, field, message) => {
    await createIssuer(admin, { name: "acme-bad", keyType: "ec-p256" }).catch(() => undefined);
    await expectInputError(() => setAcmePolicy(admin, "acme-bad", input), field, message);
  });

  it("needs issuers:write", async () => {
    await expect(setAcmePolicy(auditor, "acme-pol", { allowDns: "x.test" })).rejects.toThrow(ForbiddenError);
  });
});
