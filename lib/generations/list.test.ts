import { describe, expect, it } from "vitest";
import { cliActor } from "../auth/actor";
import { addDays } from "../issuers/validity";
import { createLineage, nextGeneration } from "./lineage";
import { listLineages, rolesOf } from "./list";
import { revokeGenerationNow } from "./schedule";
import { lineageView } from "./view";

const actor = cliActor();
const T0 = new Date("2030-01-01T00:00:00Z");

describe("rolesOf", () => {
  it("calls the oldest live generation current and younger live ones next", () => {
    const r = rolesOf([
      { n: 3, state: "active" },
      { n: 1, state: "expired" },
      { n: 2, state: "superseded" },
    ]);
    expect(Object.fromEntries(r)).toEqual({ 1: "expired", 2: "current", 3: "next" });
  });

  it("moves current past a revoked generation", () => {
    expect(Object.fromEntries(rolesOf([{ n: 1, state: "revoked" }, { n: 2, state: "active" }]))).toEqual({ 1: "revoked", 2: "current" });
  });
});

describe("listLineages", () => {
  it("lists each lineage with its newest generation and the next one's due date", async () => {
    expect(await listLineages()).toEqual([]);
    await createLineage(actor, { name: "L", keyType: "ec-p256", caValidityDays: 100, leadDays: 10, downloadUrlTemplate: "https://127.0.0.1:8443/ca-info/{n}" }, { now: T0 });
    await createLineage(actor, { name: "K", keyType: "ec-p384", caValidityDays: 100, leadDays: 10, downloadUrlTemplate: "https://127.0.0.1:8443/k/{n}" }, { now: T0 });
    await nextGeneration(actor, "L", { now: addDays(T0, 1) });
    const [k, l] = await listLineages();
    expect(k).toMatchObject({ name: "K", keyType: "ec-p384", generations: 1, newest: { n: 1, issuer: "K-1" }, schedule: { generation: 2, cause: "schedule" } });
    expect(k.schedule!.dueAt.toISOString()).toBe(addDays(k.newest!.notAfter, -10).toISOString());
    expect(l).toMatchObject({ name: "L", generations: 2, newest: { n: 2, issuer: "L-2" }, schedule: { generation: 3 } });

    // After a revocation the next generation is created at once: the revoked one is no longer current.
    await revokeGenerationNow(actor, "K", 1, "key compromise", { now: addDays(T0, 2) });
    const v = await lineageView("K", addDays(T0, 3));
    expect(Object.fromEntries(rolesOf(v.generations))).toEqual({ 1: "revoked", 2: "current" });
  });
});
