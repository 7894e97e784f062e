import { describe, expect, it } from "vitest";
import { issueCertificate } from "../certificates/issue";
import { requestFromCsr } from "../certificates/request";
import { createIssuer } from "../issuers/service";
import { makeCsr } from "../test/csr";
import { completeRevocation, excludeFromRevocation, startRevocation } from "./prefix";
import { progressOf, revocationProgress } from "./progress";
import { revocationStatus } from "./status";
import { renewCertificate } from "./renewal";

const op = { kind: "user", name: "op@x", role: "operator" } as const;
const CA = "progress";

/** What the dashboard polls: every change an operator should see moves `version`; reads alone do not. */
describe("revocation progress for the dashboard's poll", () => {
  const seen = new Set<string>();
  const step = async (expected: object) => {
    const p = await revocationProgress(CA);
    expect(p).toMatchObject(expected);
    expect(seen.has(p.version), `version ${p.version} seen before`).toBe(false);
    seen.add(p.version);
    // Nothing changed: the same version, so the page is not refreshed for nothing.
    expect((await revocationProgress(CA)).version).toBe(p.version);
    // What the page rendered first (from the full status) and what the poll counts agree.
    const now = new Date(p.at);
    expect(progressOf(await revocationStatus(CA), now)).toEqual(p);
    return p;
  };

  const steps: [string, () => Promise<unknown>, object][] = [
    ["nothing pending", async () => {}, { revocationNumber: "0", pending: [] }],
    ["serial 3 revoked: 3 awaited", () => startRevocation(op, { issuer: CA, serial: 3n, reason: "superseded", order: "renew-first" }), { pending: [{ serial: "3", renewed: 0, excluded: 0, awaiting: 3 }] }],
    ["1 renewed by an operator", async () => renewCertificate(op, { issuer: CA, serial: 1n, csr: (await makeCsr("p1.example")).pem }), { pending: [{ serial: "3", renewed: 1, excluded: 0, awaiting: 2 }] }],
    ["2 excluded", () => excludeFromRevocation(op, { issuer: CA, serial: 2n }), { pending: [{ serial: "3", renewed: 1, excluded: 1, awaiting: 1 }] }],
    // 4 is 1's replacement. Its revocation asks 2 (excluded only from the earlier one) and 4, and
    // waits for 3 through the earlier one; the earlier one now also waits for 2 (serial <= 3).
    ["4 revoked too", () => startRevocation(op, { issuer: CA, serial: 4n, reason: "superseded", order: "renew-first" }), { pending: [{ serial: "3", awaiting: 2 }, { serial: "4", renewed: 0, excluded: 0, awaiting: 3 }] }],
    ["forced: nothing pending, RN 5", () => completeRevocation(op, { issuer: CA, serial: 4n, force: true }), { revocationNumber: "5", pending: [] }],
  ];

  it.each(steps)("%s", async (_name, act, expected) => {
    if (seen.size === 0) {
      await createIssuer({ kind: "cli", name: "t", role: "administrator" }, { name: CA, keyType: "ec-p256", firstSerial: 1 });
      for (const n of [1, 2, 3]) await issueCertificate(op, CA, await requestFromCsr({ csr: (await makeCsr(`p${n}.example`)).pem }));
    }
    await act();
    await step(expected);
  });

  it("is plain JSON (no bigints): what the route sends is what the page rendered", async () => {
    const p = await revocationProgress(CA);
    expect(JSON.parse(JSON.stringify(p))).toEqual(p);
  });
});
