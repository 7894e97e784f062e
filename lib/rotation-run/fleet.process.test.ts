import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Fleet, hopDeliveries } from "../test/fleet";
import { fig46five, rotateAndCheck, threeLevel } from "../test/fleetChecks";

/**
 * Rotation runs end to end with real processes on loopback (issue 9, "Proof"): the CLI, the CA
 * (lib/test/fastPathServer.ts), one `rootline agent` per node doing mutual TLS on every link.
 * From the agents' own handshake logs: no link failed a handshake from the start of a run to
 * its end (fallbacks only by clients that hold two certificates, SPEC 4.1); afterwards every
 * node holds only the new root and a certificate it signed, and `openssl verify` agrees.
 */

describe("FIG. 46 (two servers, five clients, one shared) as seven agents", () => {
  const fleet = new Fleet({ label: "fig46" });
  beforeAll(async () => {
    await fleet.setup({ name: "fig46", doc: fig46five(), issuer: "fig46-ca", subject: "CN=Fleet Root" });
    await fleet.startCa();
    fleet.startAgents();
  }, 90_000);
  afterAll(() => fleet.close());

  it("rotates stepwise, then bundled, with every link authenticating throughout", async () => {
    const first = await rotateAndCheck(fleet, ["--mode", "stepwise", "--task-timeout-s", "10"]);
    expect(first.run.newSubject).toBe("CN=Fleet Root (key 2)");
    // Requests for the clients crossed their server (a poll hop), as the planner routed them.
    const routes = Object.fromEntries(fleet.tasks(first.id).filter((t) => t.node).map((t) => [t.taskId, JSON.parse(t.route)]));
    expect(routes["store-root:40-3"]).toHaveLength(2);
    expect(routes["store-root:40-5"]).toEqual(["30-2", "40-5"]);

    const second = await rotateAndCheck(fleet, ["--mode", "bundled", "--task-timeout-s", "10"]);
    expect(second.run.newSubject).toBe("CN=Fleet Root (key 3)");
    expect(second.status.tasks.map((t) => t.kind).sort()).toEqual([...Array(7).fill("bundle"), ...Array(5).fill("discard-old"), "create-root-bundle"].sort());
  }, 150_000);
});

describe("three levels: a gateway that is client and server, a client two relays away (one poll hop)", () => {
  const fleet = new Fleet({ label: "three" });
  beforeAll(async () => {
    await fleet.setup({ name: "three-level", doc: threeLevel(), issuer: "three-ca" });
    await fleet.startCa();
    fleet.startAgents();
  }, 90_000);
  afterAll(() => fleet.close());

  it("routes leaf through relay (push) and gw (poll), as `rootline plan` shows", async () => {
    fs.writeFileSync(path.join(fleet.dir, "t3.json"), JSON.stringify(fleet.doc));
    const plan = JSON.parse((await fleet.cliOk(["plan", path.join(fleet.dir, "t3.json")])).out) as { groups: { tasks: { id: string; route: string[] }[] }[] };
    const route = plan.groups[0].tasks.find((t) => t.id === "store-root:leaf")!.route;
    expect(route).toEqual(["relay", "gw", "leaf"]);
    expect(hopDeliveries(fleet.doc, route)).toEqual(["push", "poll"]);
    expect(plan.groups[0].tasks.find((t) => t.id === "store-cert:gw")!.route).toEqual(["relay", "gw"]);
  }, 60_000);

  it("rotates stepwise with every link authenticating throughout", async () => {
    const { id } = await rotateAndCheck(fleet, ["--mode", "stepwise", "--task-timeout-s", "10"]);
    const leafTasks = fleet.tasks(id).filter((t) => t.node === "leaf");
    expect(leafTasks.map((t) => JSON.parse(t.route))).toEqual(leafTasks.map(() => ["relay", "gw", "leaf"]));
  }, 120_000);

  it("refuses bundled mode for this shape (gw is a server and a mutual client), naming the node", async () => {
    const r = await fleet.cli(["rotation", "start", "--topology", fleet.topology, "--mode", "bundled", "--json"]);
    expect(r.code).not.toBe(0);
    expect(r.err + r.out).toMatch(/bundled mode cannot keep .*gw/);
  }, 60_000);
});

describe("three levels, gw a one-way client of hub: bundled", () => {
  const fleet = new Fleet({ label: "three-b" });
  beforeAll(async () => {
    await fleet.setup({ name: "three-level-oneway", doc: threeLevel("one-way"), issuer: "three-b-ca" });
    await fleet.startCa();
    fleet.startAgents();
  }, 90_000);
  afterAll(() => fleet.close());

  it("rotates bundled through the same relays with every link authenticating throughout", async () => {
    const { id } = await rotateAndCheck(fleet, ["--mode", "bundled", "--task-timeout-s", "10"]);
    expect(JSON.parse(fleet.tasks(id).find((t) => t.taskId === "bundle:leaf")!.route)).toEqual(["relay", "gw", "leaf"]);
  }, 120_000);
});
