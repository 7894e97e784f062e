import { describe, expect, it } from "vitest";
import { issueCertificate } from "../certificates/issue";
import { requestFromCsr } from "../certificates/request";
import { db } from "../db";
import { createIssuer } from "../issuers/service";
import { REVOKING_REASONS } from "../pki/reasons";
import { makeCsr } from "../test/csr";
import { holderFate, holderStopped, planRenewals, reasonStopsTarget, type Holder } from "./plan";
import { previewRevocation, startRevocation } from "./prefix";

const h = (serial: number, isTarget = false, pendingElsewhere = false): Holder<number> => ({ serial, isTarget, pendingElsewhere });
const none = new Set<number>();

describe("the stopped-server rule", () => {
  it.each(REVOKING_REASONS.map((r) => [r, r === "cessationOfOperation"] as const))("reason %s stops the target: %s", (reason, stops) => {
    expect(reasonStopsTarget(reason)).toBe(stops);
  });

  it.each([
    ["target, cessation of operation", h(4, true), "cessationOfOperation", none, true],
    ["target, key compromise", h(4, true), "keyCompromise", none, false],
    ["target ticked, key compromise", h(4, true), "keyCompromise", new Set([4]), true],
    ["collateral, cessation of operation (the reason is about the target only)", h(2), "cessationOfOperation", none, false],
    ["collateral ticked", h(2), "superseded", new Set([2]), true],
    ["collateral, another one ticked", h(2), "superseded", new Set([3]), false],
    ["no reason chosen yet", h(4, true), "", none, false],
  ])("holderStopped: %s", (_name, holder, reason, exclude, stopped) => {
    expect(holderStopped(holder, { reason, exclude })).toBe(stopped);
  });

  it.each([
    ["awaited", h(1), "superseded", none, "renew"],
    ["stopped", h(1), "superseded", new Set([1]), "stopped"],
    ["the target stopped by its reason", h(4, true), "cessationOfOperation", none, "stopped"],
    // An earlier revocation's request stands: ticking it here changes nothing, nor does the reason.
    ["awaited by an earlier revocation", h(1, false, true), "superseded", none, "awaited-elsewhere"],
    ["awaited elsewhere and ticked", h(1, false, true), "superseded", new Set([1]), "awaited-elsewhere"],
    ["the target awaited elsewhere, cessation", h(4, true, true), "cessationOfOperation", none, "awaited-elsewhere"],
  ])("holderFate: %s", (_name, holder, reason, exclude, fate) => {
    expect(holderFate(holder, { reason, exclude })).toBe(fate);
  });

  it("planRenewals counts what the summary shows", () => {
    const holders = [h(1, false, true), h(2), h(3), h(4, true)];
    const plan = planRenewals(holders, { reason: "cessationOfOperation", exclude: new Set([2]) });
    expect(plan.rows.map((r) => r.fate)).toEqual(["awaited-elsewhere", "stopped", "renew", "stopped"]);
    expect(plan.awaited.map((x) => x.serial)).toEqual([1, 3]);
    expect(plan.collateral.map((x) => x.serial)).toEqual([1, 3]);
    expect(plan.stopped.map((x) => x.serial)).toEqual([2, 4]);
    expect(plan.tokens).toBe(1);
  });
});

describe("the preview's plan is what the revocation does", () => {
  const op = { kind: "user", name: "op@x", role: "operator" } as const;
  const CA = "plan";
  // Serials 1–5. Revoking 2 awaits 1 and 2; revoking 4 next finds 1 and 2 awaited elsewhere,
  // 3 ticked as stopped, and 4 stopped by its reason: no token at all.
  it.each([
    { serial: 2n, reason: "keyCompromise", ticked: [] as bigint[], fates: ["renew", "renew"], tokens: [1n, 2n], awaiting: [1n, 2n] },
    { serial: 4n, reason: "cessationOfOperation", ticked: [3n], fates: ["awaited-elsewhere", "awaited-elsewhere", "stopped", "stopped"], tokens: [], awaiting: [1n, 2n] },
  ])("revoking $serial for $reason, $ticked ticked", async ({ serial, reason, ticked, fates, tokens, awaiting }) => {
    if (serial === 2n) {
      await createIssuer({ kind: "cli", name: "t", role: "administrator" }, { name: CA, keyType: "ec-p256", firstSerial: 1 });
      for (const n of [1, 2, 3, 4, 5]) await issueCertificate(op, CA, await requestFromCsr({ csr: (await makeCsr(`h${n}.example`)).pem }));
    }
    const preview = await previewRevocation(CA, serial);
    expect(preview.affected.filter((a) => a.isTarget).map((a) => a.serial)).toEqual([serial]);
    const plan = planRenewals(preview.affected, { reason, exclude: new Set(ticked) });
    expect(plan.rows.map((x) => x.fate)).toEqual(fates);

    const r = await startRevocation(op, { issuer: CA, serial, reason, order: "renew-first", exclude: ticked });
    expect(r.tokens.map((t) => t.serial)).toEqual(tokens);
    expect(r.tokens.length).toBe(plan.tokens);
    const excluded = await db().renewalRequest.findMany({ where: { revocationId: r.id, status: "excluded" }, orderBy: { serial: "asc" } });
    expect(excluded.map((q) => q.serial)).toEqual(plan.stopped.map((x) => x.serial));
    expect(r.awaiting).toEqual(awaiting);
    expect(plan.awaited.map((x) => x.serial)).toEqual(awaiting);
  });
});
