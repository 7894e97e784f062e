import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cliActor } from "../auth/actor";
import { db } from "../db";
import { createIssuer } from "../issuers/service";
import { listAuditEvents } from "../audit/query";
import { importTopology } from "../topologies/service";
import { SimFleet } from "../test/rotationSim";
import { handleAgentPoll } from "./agentApi";
import { bindGroup } from "./bind";
import { signEnvelope, type HandshakeRecord, type StoreSummary } from "./protocol";
import { provisionTopology } from "./provision";
import { startRun } from "./start";
import { linkHealth, retiredRoots, runDetail, runLive, topologyRotation, type LinkEnd } from "./view";

const actor = cliActor();
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "rl-view-"));

/** One server s reached by the CA, two clients c1 (mutual) and c2 (one-way) behind it; group g2 has its own issuer. */
const DOC = {
  nodes: [
    { id: "s", direct: true, acceptsConnections: true },
    { id: "c1", direct: false, acceptsConnections: false },
    { id: "c2", direct: false, acceptsConnections: false },
  ],
  links: [
    { client: "c1", server: "s", group: "default", auth: "mutual" },
    { client: "c2", server: "s", group: "default", auth: "one-way" },
    { client: "c2", server: "s", group: "g2", auth: "mutual" },
  ],
};

async function setup(name: string) {
  const issuer = await createIssuer(actor, { name: `${name}-ca`, subject: `CN=${name} Root`, keyType: "ec-p256" });
  const t = await importTopology(actor, { name, text: JSON.stringify(DOC) });
  await bindGroup(actor, { topology: name, issuer: `${name}-ca` });
  const g2 = await createIssuer(actor, { name: `${name}-g2`, keyType: "ec-p256" });
  await bindGroup(actor, { topology: name, group: "g2", issuer: `${name}-g2` });
  const out = tmp();
  await provisionTopology(actor, { topology: name, out, caUrl: "http://127.0.0.1:9" });
  return { issuer, g2, topologyId: t.id, fleet: new SimFleet(out) };
}

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const end = (role: "client" | "server", result: LinkEnd["result"], s: number, reason?: string): LinkEnd => ({ node: role === "client" ? "c1" : "s", role, result, at: at(s), ...(reason ? { reason } : {}) });

describe("linkHealth: a link's handshake health from its two ends' reports", () => {
  it("is unknown with no report, ok when both ends say so, and names the end that saw a problem", () => {
    expect(linkHealth(null, null)).toMatchObject({ health: "unknown", lastAt: null });
    expect(linkHealth(end("client", "ok", 1), null)).toEqual({ health: "ok", reason: null, lastAt: at(1) });
    expect(linkHealth(end("client", "ok", 1), end("server", "ok", 2))).toEqual({ health: "ok", reason: null, lastAt: at(2) });
    // The server rejected the client: a failure even though the client's own last word was ok.
    expect(linkHealth(end("client", "ok", 3), end("server", "failed", 2, "unknown CA"))).toEqual({ health: "failed", reason: "server s: unknown CA", lastAt: at(3) });
    expect(linkHealth(end("client", "fallback", 2, "certificate rejected"), end("server", "ok", 2))).toMatchObject({ health: "fallback", reason: "client c1: certificate rejected" });
    expect(linkHealth(end("client", "failed", 5), null)).toMatchObject({ health: "failed", reason: "reported by client c1" });
  });

  it("leaves out an end whose last report is much older than the other's: it describes an earlier moment", () => {
    expect(linkHealth(end("client", "ok", 40), end("server", "failed", 5, "old"))).toMatchObject({ health: "ok" });
    expect(linkHealth(end("client", "ok", 14), end("server", "failed", 5, "recent"))).toMatchObject({ health: "failed" });
  });
});

describe("the run page's read model", () => {
  it("shows bindings, the run list, tasks, stores from agents' reports and link health per link of the group", async () => {
    const { issuer, g2, topologyId, fleet } = await setup("v1");
    const before = await topologyRotation(topologyId, DOC as never);
    expect(before.groups).toEqual([
      { group: "default", issuer: { id: issuer.id, name: "v1-ca" }, provisioned: 3, nodes: 3, activeRunId: null },
      { group: "g2", issuer: { id: g2.id, name: "v1-g2" }, provisioned: 2, nodes: 2, activeRunId: null },
    ]);
    expect(before.runs).toEqual([]);
    expect(before.issuers).toEqual(["v1-ca", "v1-g2"]);

    const { id } = await startRun(actor, { topology: "v1", maxFailures: 2, taskTimeoutS: 3 });
    const detail = await runDetail(id, topologyId);
    expect(detail).toMatchObject({ group: "default", mode: "stepwise", schedule: "minimal", issuer: { name: "v1-ca" }, oldSubject: "CN=v1 Root", newSubject: "CN=v1 Root (key 2)", unsafeOrder: false, maxFailures: 2, taskTimeoutS: 3 });
    expect(detail.order).toEqual(detail.plan.order);
    // A run id under another topology's URL is not found.
    const other = await importTopology(actor, { name: "other", text: JSON.stringify(DOC) });
    await expect(runDetail(id, other.id)).rejects.toThrow(/no rotation run/);
    await expect(runLive(id, other.id)).rejects.toThrow(/no rotation run/);

    let live = await runLive(id, topologyId);
    expect(live.state).toBe("running");
    expect(live.counts.total).toBe(detail.plan.tasks.length);
    expect(live.counts.succeeded).toBe(1); // the CA's own create-root
    expect(live.tasks.find((t) => t.id === "store-root:c1")).toMatchObject({ state: "sent", attempts: 1, route: ["s", "c1"], lastError: null });
    // No agent has reported: nodes without a store, links of the group only (not g2's), health unknown.
    expect(live.nodes.map((n) => [n.node, n.reportedAt, n.store])).toEqual([["s", null, null], ["c1", null, null], ["c2", null, null]]);
    expect(live.links.map((l) => [l.client, l.server, l.auth, l.health])).toEqual([["c1", "s", "mutual", "unknown"], ["c2", "s", "one-way", "unknown"]]);

    const rotation = await topologyRotation(topologyId, DOC as never);
    expect(rotation.groups[0].activeRunId).toBe(id);
    expect(rotation.runs).toMatchObject([{ id, state: "running", tasks: live.counts.total, succeeded: 1, finishedAt: null }]);

    // Status reports through the real agent API: s saw c1 fail (another group's record does not count), c1 says ok.
    const store: StoreSummary = { group: "default", roots: [{ subject: "CN=v1 Root", fingerprint: "ab", selfSigned: true }], certificates: [{ issuer: "CN=v1 Root", serial: "02", fingerprint: "cd" }] };
    const now = Date.now();
    const rec = (peer: string, role: "client" | "server", result: HandshakeRecord["result"], group: string, reason?: string): HandshakeRecord => ({ at: new Date(now).toISOString(), peer, role, result, group, ...(reason ? { reason } : {}) });
    const status = (node: string, peers: HandshakeRecord[]) =>
      signEnvelope({ v: 1, type: "status", topology: topologyId, node, at: now, stores: [store, { ...store, group: "g2" }], peers, pending: 1 }, fleet.nodes.get(node)!.key);
    const s = fleet.nodes.get("s")!;
    await handleAgentPoll(await fleet.pollBody(s, [
      await status("s", [rec("c1", "server", "failed", "default", "client certificate rejected"), rec("c2", "server", "failed", "g2", "other group")]),
      await status("c1", [rec("s", "client", "ok", "default")]),
    ]));
    live = await runLive(id, topologyId);
    expect(live.nodes[0]).toMatchObject({ node: "s", store, pending: 1 });
    expect(live.nodes[0].reportedAt).not.toBeNull();
    expect(live.nodes[2].reportedAt).toBeNull();
    expect(live.links[0]).toMatchObject({ health: "failed", reason: "server s: client certificate rejected", clientEnd: { node: "c1", result: "ok" }, serverEnd: { node: "s", result: "failed" } });
    expect(live.links[1]).toMatchObject({ health: "unknown", clientEnd: null, serverEnd: null, silent: false });
    expect(live.links[0].silent).toBe(false);
    expect(live.nodes[0].silent).toBe(false);

    // c2 last reported 20 s ago, its last handshake then: an agent that went quiet shows as silent.
    const old = now - 20_000;
    await handleAgentPoll(await fleet.pollBody(s, [
      await signEnvelope({ v: 1, type: "status", topology: topologyId, node: "c2", at: old, stores: [], peers: [{ at: new Date(old).toISOString(), peer: "s", role: "client", result: "ok", group: "default" }], pending: 0 }, fleet.nodes.get("c2")!.key),
    ]));
    live = await runLive(id, topologyId);
    expect(live.nodes[2]).toMatchObject({ node: "c2", silent: true, store: null });
    expect(live.links[1]).toMatchObject({ health: "ok", silent: true, clientEnd: { node: "c2", result: "ok" } });
  });

  it("counts a finished run and lists the root it retired in the issuer's history", async () => {
    const { issuer, topologyId, fleet } = await setup("v2");
    expect(await retiredRoots(issuer.id)).toEqual([]);
    const { id } = await startRun(actor, { topology: "v2", schedule: "phased" });
    await fleet.until(async () => (await runLive(id)).state === "succeeded");
    const live = await runLive(id);
    expect(live.state, JSON.stringify([live.failure, live.tasks.filter((t) => t.lastError)])).toBe("succeeded");
    expect(live.finishedAt).not.toBeNull();
    expect(live.counts).toMatchObject({ succeeded: live.counts.total, failed: 0, waiting: 0 });
    expect((await topologyRotation(topologyId, DOC as never)).runs).toMatchObject([{ id, state: "succeeded", schedule: "phased", succeeded: live.counts.total }]);
    const retired = await retiredRoots(issuer.id);
    expect(retired).toMatchObject([{ subject: "CN=v2 Root", keyType: "ec-p256", runId: id, topologyId }]);
    expect(retired[0].fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect((await db().issuer.findUniqueOrThrow({ where: { id: issuer.id } })).subject).toBe("CN=v2 Root (key 2)");
    // The run page's "history in the audit log" link: only this run's entries.
    expect((await listAuditEvents({ target: id })).events.map((e) => e.action)).toEqual(["rotation.complete", "rotation.start"]);
  });
});
