import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expectInputError } from "../test/pki";
import { decidePolicy, normaliseIp, parsePolicy, type Policy, type PolicyRule, type PolicySubjectInput } from "./policy";

const client = (o: Partial<PolicySubjectInput> = {}): PolicySubjectInput => ({
  subject: "CN=meter-7, OU=Meters, O=Acme, C=DE",
  sans: ["meter-7.site.example.com", "10.1.2.3"],
  source: "192.168.5.20",
  route: "billing",
  ...o,
});

describe("parsePolicy", () => {
  it("accepts the Contract's format from JSON text or a value", () => {
    const text = '{"default":"deny","rules":[{"subject":"CN=a","answer":"allow"},{"source":"10.0.0.0/8","route":"r","answer":"deny"},{"answer":"allow"}]}';
    expect(parsePolicy(text)).toEqual({
      default: "deny",
      rules: [{ subject: "CN=a", answer: "allow" }, { source: "10.0.0.0/8", route: "r", answer: "deny" }, { answer: "allow" }],
    });
    expect(parsePolicy({ default: "allow", rules: [] })).toEqual({ default: "allow", rules: [] });
  });

  it.each<[string, unknown, string, RegExp?]>([
    ["not JSON", "{default", "policy", /JSON/],
    ["not an object", "[]", "policy"],
    ["a missing default", { rules: [] }, "policy.default"],
    ["a bad default", { default: "maybe", rules: [] }, "policy.default", /allow/],
    ["rules not an array", { default: "allow", rules: {} }, "policy.rules"],
    ["an unknown top-level key", { default: "allow", rules: [], extra: 1 }, "policy.extra", /unknown key/],
    ["an unknown rule key (typo)", { default: "allow", rules: [{ answer: "allow" }, { sourc: "1.2.3.4", answer: "deny" }] }, "policy.rules[1].sourc", /unknown key/],
    ["a rule without answer", { default: "allow", rules: [{ route: "r" }] }, "policy.rules[0].answer"],
    ["a bad CIDR", { default: "allow", rules: [{ answer: "allow" }, { answer: "allow" }, { source: "10.0.0.0/33", answer: "deny" }] }, "policy.rules[2].source", /CIDR/],
    ["a hostname as source", { default: "allow", rules: [{ source: "example.com", answer: "deny" }] }, "policy.rules[0].source"],
    ["a v6 prefix too long", { default: "allow", rules: [{ source: "2001:db8::/129", answer: "deny" }] }, "policy.rules[0].source"],
    ["a mapped prefix wider than the mapped range", { default: "allow", rules: [{ source: "::ffff:10.0.0.0/64", answer: "deny" }] }, "policy.rules[0].source"],
    ["an empty subject", { default: "allow", rules: [{ subject: " ", answer: "deny" }] }, "policy.rules[0].subject", /empty/],
    ["a number as route", { default: "allow", rules: [{ route: 7, answer: "deny" }] }, "policy.rules[0].route"],
    ["a rule that is not an object", { default: "allow", rules: ["deny"] }, "policy.rules[0]"],
  ])("refuses %s, naming the field", async (_n, input, field, message) => {
    await expectInputError(() => parsePolicy(typeof input === "string" ? input : input), field, message);
  });

  it("prefixes the field it is given", async () => {
    await expectInputError(() => parsePolicy({ default: "x", rules: [] }, "proxies[0].policy"), "proxies[0].policy.default");
  });
});

describe("decidePolicy", () => {
  const rule = (r: Omit<PolicyRule, "answer">, answer: PolicyRule["answer"] = "deny"): Policy => ({ default: "allow", rules: [{ ...r, answer }] });
  const matches = (r: Omit<PolicyRule, "answer">, c: PolicySubjectInput = client()) => decidePolicy(rule(r), c).rule === 0;

  it.each<[string, Omit<PolicyRule, "answer">, Partial<PolicySubjectInput>, boolean]>([
    ["DN exact", { subject: "CN=meter-7, OU=Meters, O=Acme, C=DE" }, {}, true],
    ["DN with other spacing and lower-case types", { subject: "cn=meter-7,ou=Meters , o=Acme,c=DE" }, {}, true],
    ["DN value case matters", { subject: "CN=METER-7, OU=Meters, O=Acme, C=DE" }, {}, false],
    ["DN prefix is not the DN", { subject: "CN=meter-7, OU=Meters" }, {}, false],
    ["CN", { subject: "meter-7" }, {}, true],
    ["CN given explicitly", { subject: "other" }, { commonName: "other" }, true],
    ["CN with an escaped comma", { subject: "a,b" }, { subject: "CN=a\\,b, O=Acme" }, true],
    ["DNS SAN, case-insensitive", { subject: "METER-7.Site.Example.com" }, {}, true],
    ["wildcard: one label", { subject: "*.site.example.com" }, {}, true],
    ["wildcard: several labels", { subject: "*.example.com" }, {}, true],
    ["wildcard: not the parent itself", { subject: "*.meter-7.site.example.com" }, {}, false],
    ["wildcard: not a suffix inside a label", { subject: "*.ample.com" }, {}, false],
    ["IP SAN", { subject: "10.1.2.3" }, {}, true],
    ["IP SAN, mapped form in the rule", { subject: "::ffff:10.1.2.3" }, {}, true],
    ["no certificate never matches a subject rule", { subject: "meter-7" }, { subject: null, sans: ["meter-7"] }, false],
    ["source exact", { source: "192.168.5.20" }, {}, true],
    ["source CIDR", { source: "192.168.0.0/16" }, {}, true],
    ["source CIDR miss", { source: "192.168.6.0/24" }, {}, false],
    ["source from a dual-stack listener (mapped)", { source: "192.168.5.0/24" }, { source: "::ffff:192.168.5.20" }, true],
    ["mapped CIDR in the rule", { source: "::ffff:192.168.0.0/112" }, {}, true],
    ["v6 CIDR", { source: "2001:db8::/32" }, { source: "2001:DB8:0:0::17" }, true],
    ["v6 CIDR does not match v4", { source: "::/0" }, {}, false],
    ["unparseable client address never matches a source", { source: "0.0.0.0/0" }, { source: "unix" }, false],
    ["route", { route: "billing" }, {}, true],
    ["route is exact", { route: "Billing" }, {}, false],
    ["all present matchers must match", { route: "billing", source: "10.0.0.0/8" }, {}, false],
    ["all present matchers match", { route: "billing", source: "192.168.5.20", subject: "meter-7" }, {}, true],
    ["no matcher is a catch-all", {}, { subject: null, sans: [] }, true],
  ])("%s", (_n, r, c, want) => {
    expect(matches(r, client(c))).toBe(want);
  });

  it("first matching rule wins; default when none match", () => {
    const p = parsePolicy({
      default: "deny",
      rules: [
        { route: "other", answer: "allow" },
        { source: "192.168.0.0/16", answer: "deny" },
        { subject: "meter-7", answer: "allow" },
      ],
    });
    expect(decidePolicy(p, client())).toEqual({ answer: "deny", rule: 1 });
    expect(decidePolicy(p, client({ source: "10.0.0.1" }))).toEqual({ answer: "allow", rule: 2 });
    expect(decidePolicy(p, client({ source: "10.0.0.1", subject: null, sans: [] }))).toEqual({ answer: "deny", rule: null });
  });

  it("normalises addresses", () => {
    expect(normaliseIp("::ffff:7f00:1")).toEqual({ address: "127.0.0.1", family: "ipv4" });
    expect(normaliseIp("fe80::1%eth0")).toEqual({ address: "fe80::1", family: "ipv6" });
    expect(normaliseIp("host")).toBeNull();
  });
});

describe("decidePolicy properties", () => {
  const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((a) => a.join("."));
  const source = fc.oneof(ipv4, fc.tuple(ipv4, fc.integer({ min: 0, max: 32 })).map(([a, p]) => `${a}/${p}`), fc.constant("2001:db8::/32"));
  const ruleArb: fc.Arbitrary<PolicyRule> = fc.record(
    {
      subject: fc.constantFrom("meter-7", "*.example.com", "CN=x", "10.1.2.3"),
      source,
      route: fc.constantFrom("billing", "telemetry"),
      answer: fc.constantFrom("allow" as const, "deny" as const),
    },
    { requiredKeys: ["answer"] },
  );
  const clientArb: fc.Arbitrary<PolicySubjectInput> = fc.record({
    subject: fc.option(fc.constantFrom("CN=meter-7, O=Acme", "CN=x"), { nil: null }),
    sans: fc.array(fc.constantFrom("a.example.com", "10.1.2.3", "meter-7"), { maxLength: 3 }),
    source: fc.oneof(ipv4, ipv4.map((a) => `::ffff:${a}`)),
    route: fc.constantFrom("billing", "telemetry"),
  });
  const policyArb = fc.record({ default: fc.constantFrom("allow" as const, "deny" as const), rules: fc.array(ruleArb, { maxLength: 8 }) });

  it("a rule list ending in a catch-all never falls to the default", () => {
    fc.assert(
      fc.property(policyArb, fc.constantFrom("allow" as const, "deny" as const), clientArb, (p, last, c) => {
        const q = parsePolicy({ ...p, rules: [...p.rules, { answer: last }] });
        expect(decidePolicy(q, c).rule).not.toBeNull();
      }),
    );
  });

  it("is deterministic, and the answer is the first matching rule's (each rule judged alone)", () => {
    fc.assert(
      fc.property(policyArb, clientArb, (p, c) => {
        const q = parsePolicy(JSON.stringify(p));
        const d = decidePolicy(q, c);
        expect(decidePolicy(q, c)).toEqual(d);
        const alone = q.rules.map((r) => decidePolicy({ default: "allow", rules: [r] }, c).rule === 0);
        const first = alone.indexOf(true);
        expect(d).toEqual(first < 0 ? { answer: q.default, rule: null } : { answer: q.rules[first].answer, rule: first });
      }),
    );
  });

  it("the mapped and plain forms of a client address are decided alike", () => {
    fc.assert(
      fc.property(policyArb, clientArb, ipv4, (p, c, a) => {
        expect(decidePolicy(p, { ...c, source: `::ffff:${a}` })).toEqual(decidePolicy(p, { ...c, source: a }));
      }),
    );
  });
});
