import { describe, expect, it } from "vitest";
import { cliActor } from "../auth/actor";
import { db } from "../db";
import { addDays } from "../issuers/validity";
import { startBackgroundJobs } from "../jobs";
import { createLineage } from "./lineage";

/** The background job of `npm start` runs the generation schedule, on an injected clock. */
describe("background job", () => {
  it("creates generation 2 once the clock reaches notAfter(1) - lead days", async () => {
    await createLineage(cliActor(), { name: "J", keyType: "ec-p256", caValidityDays: 7305, downloadUrlTemplate: "https://downloads.example/ca-info/{n}" });
    const notAfter = (await db().issuer.findUniqueOrThrow({ where: { name: "J-1" } })).notAfter;
    let clock = addDays(notAfter, -1827);
    const stop = startBackgroundJobs({ ROOTLINE_SWEEP_INTERVAL_MINUTES: "0.005" } as unknown as NodeJS.ProcessEnv, { now: () => clock });
    try {
      await new Promise((r) => setTimeout(r, 1500));
      expect(await db().issuer.count({ where: { name: "J-2" } })).toBe(0);
      clock = addDays(notAfter, -1825);
      await expect.poll(() => db().issuer.count({ where: { name: "J-2" } }), { timeout: 10_000, interval: 200 }).toBe(1);
    } finally {
      stop();
    }
  });
});
