import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cliActor } from "../auth/actor";
import { db } from "../db";
import { ConflictError } from "../errors";
import { createIssuer } from "../issuers/service";
import { parseCertificateDer } from "../pki/certificate";
import { pemEncode } from "../pki/pem";
import { importTopology } from "../topologies/service";
import { fig46 } from "../topologies/samples";
import { openssl, tmpFile } from "../test/openssl";
import { SimFleet } from "../test/rotationSim";
import { clearNodeKeyCache, handleAgentPoll, REHAND_AFTER_MS } from "./agentApi";
import { bindGroup } from "./bind";
import { clearRunCaches } from "./context";
import { resumeRun, tickRuns } from "./engine";
import { provisionTopology } from "./provision";
import { signEnvelope } from "./protocol";
import { startRun } from "./start";
import { runStatus } from "./status";

const actor = cliActor();
let counter = 0;

/** An issuer, FIG. 46 imported, bound and provisioned; the simulated fleet on its directories. */
async function setup(doc = fig46()) {
  const n = ++counter;
  const issuer = await createIssuer(actor, { name: `fleet-${n}`, subject: `CN=Fleet Root ${n}, O=Rootline`, keyType: "ec-p256" });
  await importTopology(actor, { name: `t-${n}`, text: JSON.stringify(doc) });
  await bindGroup(actor, { topology: `t-${n}`, issuer: issuer.name });
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "rl-run-"));
  await provisionTopology(actor, { topology: `t-${n}`, out, basePort: 20000 });
  return { issuer, topology: `t-${n}`, fleet: new SimFleet(out) };
}

const state = async (id: string) => (await runStatus(id)).state;
const task = async (id: string, taskId: string) => (await runStatus(id)).tasks.find((t) => t.id === taskId)!;

describe.each(["stepwise", "bundled"])("a %s run with simulated agents", (mode) => {
  it("dispatches, collects results, and at the end swaps the issuer to the new root", async () => {
    const { issuer, topology, fleet } = await setup();
    const { id } = await startRun(actor, { topology, mode });
    const first = await runStatus(id);
    expect(first.state).toBe("running");
    expect(first.tasks[0]).toMatchObject({ node: null, state: "succeeded" });
    expect(first.tasks.filter((t) => t.state === "sent").length).toBeGreaterThan(0);
    expect(first.tasks.filter((t) => t.state === "waiting").length).toBeGreaterThan(0);

    await fleet.until(async () => (await state(id)) !== "running");
    const done = await runStatus(id);
    expect(done.state, JSON.stringify(done)).toBe("succeeded");
    expect(done.tasks.every((t) => t.state === "succeeded" && t.lastError === null)).toBe(true);
    // Mandatory order held: every request reached a node only after its predecessors succeeded (the node applied it).
    expect(fleet.requests.length).toBe(done.tasks.length - 1);

    const after = await db().issuer.findUniqueOrThrow({ where: { id: issuer.id } });
    expect(after.subject).toBe(`CN=Fleet Root ${counter} (key 2), O=Rootline`);
    expect(after.crlStale).toBe(true);
    const retired = await db().retiredRoot.findMany({ where: { issuerId: issuer.id } });
    expect(retired).toHaveLength(1);
    expect(Buffer.from(retired[0].certificateDer).equals(Buffer.from(issuer.certificateDer))).toBe(true);
    const run = await db().rotationRun.findUniqueOrThrow({ where: { id } });
    expect(run.activeIssuerId).toBeNull();
    expect(Buffer.from(after.certificateDer).equals(Buffer.from(run.newRootDer))).toBe(true);

    // Every node holds only the new root and a certificate it verifies; the CA's records agree.
    const rootFile = tmpFile("root.pem", pemEncode("CERTIFICATE", after.certificateDer));
    for (const node of fleet.nodes.values()) {
      const g = node.store.groups.default;
      expect(g.roots.map((r) => r.trim())).toEqual([pemEncode("CERTIFICATE", after.certificateDer).trim()]);
      for (const c of g.certificates) expect(openssl(["verify", "-CAfile", rootFile, tmpFile("c.pem", c)]).status).toBe(0);
    }
    const held = await db().topologyNodeCertificate.findMany({ where: { topologyId: run.topologyId }, select: { certificateId: true } });
    const certs = await db().certificate.findMany({ where: { id: { in: held.map((h) => h.certificateId) } } });
    expect(certs.every((c) => c.status === "valid" && parseCertificateDer(c.der).issuer === after.subject)).toBe(true);
    expect(await db().certificate.count({ where: { issuerId: issuer.id, status: "superseded" } })).toBe(6);
    const actions = (await db().auditEvent.findMany({ where: { targetId: { in: [id, issuer.id] } }, select: { action: true } })).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(["rotation.start", "rotation.complete", "issuer.root-key-change"]));

    // A second run numbers the key again.
    await startRun(actor, { topology, mode });
    expect((await db().rotationRun.findFirstOrThrow({ where: { issuerId: issuer.id, state: "running" } })).newSubject).toBe(`CN=Fleet Root ${counter} (key 3), O=Rootline`);
  });
});

describe.each(["stepwise", "bundled"])("a client only on one-way links (%s)", (mode) => {
  it("holds no certificate in the group, gets only root tasks, and ends holding only the new root", async () => {
    const doc = {
      nodes: [{ id: "s", direct: true, acceptsConnections: true }, { id: "m", direct: false, acceptsConnections: false }, { id: "w", direct: false, acceptsConnections: false }],
      links: [{ client: "m", server: "s", group: "default", auth: "mutual" as const }, { client: "w", server: "s", group: "default", auth: "one-way" as const }],
    };
    const { topology, fleet } = await setup(doc);
    expect(fleet.nodes.get("w")!.store.groups.default.certificates).toEqual([]);
    const { id } = await startRun(actor, { topology, mode });
    await fleet.until(async () => (await state(id)) !== "running");
    const done = await runStatus(id);
    expect(done.state, JSON.stringify(done)).toBe("succeeded");
    expect(done.tasks.filter((t) => t.node === "w").map((t) => t.kind).sort()).toEqual(mode === "stepwise" ? ["replace-root", "store-root"] : ["bundle", "discard-old"]);
    const w = fleet.nodes.get("w")!.store.groups.default;
    expect(w.roots).toHaveLength(1);
    expect(w.certificates).toEqual([]);
  });
});

describe("failures, timeouts and resume", () => {
  it("counts consecutive failures, fails the run at the limit, records late results, and resume completes it", async () => {
    const { topology, fleet } = await setup();
    const { id } = await startRun(actor, { topology, maxFailures: 2 });
    let broken = true;
    fleet.behaviour = (req) => (broken && req.node === "40-1" ? { outcome: "failed", error: "disk full" } : undefined);
    await fleet.until(async () => (await state(id)) !== "running");
    const failed = await runStatus(id);
    expect(failed.state).toBe("failed");
    expect(failed.tasks.find((t) => t.id === "store-root:40-1")).toMatchObject({ state: "failed", attempts: 2, lastError: "disk full" });
    const run = await db().rotationRun.findUniqueOrThrow({ where: { id } });
    expect(run.failure).toMatch(/store-root:40-1 failed 2 times in a row: disk full/);
    // Nothing more is sent while failed.
    const sentBefore = fleet.requests.length;
    await fleet.round();
    await fleet.round();
    expect(fleet.requests.length).toBe(sentBefore);
    // A second run on the issuer is refused while this one is unfinished.
    await expect(startRun(actor, { topology })).rejects.toBeInstanceOf(ConflictError);

    broken = false;
    const resumed = await resumeRun(actor, id);
    expect(resumed.state).toBe("running");
    await fleet.until(async () => (await state(id)) !== "running");
    expect(await state(id)).toBe("succeeded");
    expect((await task(id, "store-root:40-1")).attempts).toBe(3);
    const actions = (await db().auditEvent.findMany({ where: { targetId: id }, orderBy: { seq: "asc" }, select: { action: true } })).map((a) => a.action);
    expect(actions).toEqual(["rotation.start", "rotation.task-failed", "rotation.fail", "rotation.resume", "rotation.complete"]);
  });

  it("hands a picked-up request out again when its poll reply was lost, without costing an attempt", async () => {
    const { topology, fleet } = await setup();
    const { id } = await startRun(actor, { topology });
    const node = fleet.direct[0];
    const t0 = Date.now();
    const poll = async (ms: number) => handleAgentPoll(await fleet.pollBody(node, [], t0 + ms), new Date(t0 + ms));
    const first = await poll(0); // the reply is "lost": nothing is applied
    expect(first.envelopes.length).toBeGreaterThan(0);
    expect((await poll(5_000)).envelopes).toEqual([]);
    const again = await poll(REHAND_AFTER_MS + 1_000);
    expect(again.envelopes.sort()).toEqual([...first.envelopes].sort());
    const mine = (await runStatus(id)).tasks.filter((t) => t.state === "sent");
    expect(mine.every((t) => t.attempts === 1)).toBe(true);
  });

  it("times out a task that gets no answer (injected clock) and resends it; delayed → delivered restarts the timeout", async () => {
    const { topology, fleet } = await setup();
    const { id } = await startRun(actor, { topology, taskTimeoutS: 30 });
    fleet.behaviour = (req) => (req.task === "store-root:30-1" && req.attempt === 1 ? { outcome: "silent" } : req.task === "store-root:30-2" && req.attempt === 1 ? { outcome: "delayed" } : undefined);
    await fleet.round(); // requests out
    await fleet.round(); // results in
    expect(await task(id, "store-root:30-1")).toMatchObject({ state: "sent", attempts: 1 });
    expect(await task(id, "store-root:30-2")).toMatchObject({ state: "delivered", attempts: 1 });
    expect((await tickRuns(new Date(Date.now() + 10_000))).timedOut).toBe(0);
    const later = new Date(Date.now() + 31_000);
    expect((await tickRuns(later)).timedOut).toBeGreaterThanOrEqual(2); // with the dependents sent meanwhile
    expect(await task(id, "store-root:30-1")).toMatchObject({ state: "sent", attempts: 2, lastError: "no answer within 30 s (attempt 1)" });
    expect(await task(id, "store-root:30-2")).toMatchObject({ state: "sent", attempts: 2, lastError: "no answer within 30 s (attempt 1, delivered)" });
    await fleet.until(async () => (await state(id)) !== "running");
    expect(await state(id)).toBe("succeeded");
  });

  it("survives a restart: with every cache cleared, a fresh engine continues from the database", async () => {
    const { topology, fleet } = await setup();
    const { id } = await startRun(actor, { topology });
    await fleet.round();
    await fleet.round();
    clearRunCaches();
    clearNodeKeyCache();
    await fleet.until(async () => (await state(id)) !== "running");
    expect(await state(id)).toBe("succeeded");
  });
});

describe("envelopes the CA refuses", () => {
  it("a tampered result and a result signed by another node change nothing", async () => {
    const { topology, fleet } = await setup();
    const { id } = await startRun(actor, { topology });
    const direct = fleet.nodes.get("30-1")!;
    const reply = await (await import("./agentApi")).handleAgentPoll(await fleet.pollBody(direct, []));
    expect(reply.envelopes.length).toBeGreaterThan(0);
    const good = await fleet.sign(direct, { run: id, task: "store-root:30-1", attempt: 1, outcome: "succeeded" });
    const [h, p, s] = good.split(".");
    const payload = JSON.parse(Buffer.from(p, "base64url").toString());
    const tampered = [h, Buffer.from(JSON.stringify({ ...payload, task: "store-root:30-2" })).toString("base64url"), s].join(".");
    const other = fleet.nodes.get("30-2")!;
    const forged = await signEnvelope({ ...payload, node: "30-1" }, other.key); // 30-2 speaking for 30-1
    const foreign = await signEnvelope({ ...payload, topology: "another" }, direct.key);
    const r = await (await import("./agentApi")).handleAgentPoll(await fleet.pollBody(direct, [tampered, forged, foreign]));
    expect(r.rejected?.map((x) => x.index)).toEqual([0, 1, 2]);
    expect(r.rejected?.[2].error).toMatch(/another topology/);
    expect((await task(id, "store-root:30-1")).state).toBe("sent");
    expect((await task(id, "store-root:30-2")).state).toBe("sent");
  });
});

describe("merged client steps (2′)", () => {
  it("sends a client's store-root and store-cert together, store-root first, and the run completes", async () => {
    const { topology, fleet } = await setup();
    const { id } = await startRun(actor, { topology, schedule: "linear", mergeClientSteps: true });
    const first = await runStatus(id);
    const sent = first.tasks.filter((t) => t.state === "sent").map((t) => t.id);
    for (const c of ["40-1", "40-2", "40-4", "40-5"].filter((n) => first.tasks.some((t) => t.node === n))) {
      expect(sent).toEqual(expect.arrayContaining([`store-root:${c}`, `store-cert:${c}`]));
    }
    await fleet.until(async () => (await state(id)) !== "running");
    expect((await runStatus(id)).state).toBe("succeeded");
    // Each node got its store-root before its store-cert.
    const order = fleet.requests.map((r) => r.task);
    for (const c of ["40-1", "40-2"]) expect(order.indexOf(`store-root:${c}`)).toBeLessThan(order.indexOf(`store-cert:${c}`));
  });
});

describe("a valid order in which a client replaces its roots before it stores its new certificate", () => {
  it("still delivers the certificate: later requests are signed with the new root key the client holds", async () => {
    const doc = {
      nodes: [{ id: "s", direct: true, acceptsConnections: true }, { id: "c", direct: false, acceptsConnections: false }],
      links: [{ client: "c", server: "s", group: "default", auth: "mutual" as const }],
    };
    const { topology, fleet } = await setup(doc);
    // R5 orders replace-root:c after store-cert:s only; nothing orders it against store-cert:c.
    const order = ["store-root:s", "store-root:c", "store-cert:s", "replace-root:c", "store-cert:c", "replace-root:s"];
    const { planUpdate, parseTopology, checkOrder } = await import("../rotation");
    const t = (parseTopology(doc) as { ok: true; topology: never }).topology;
    const group = (planUpdate(t) as { ok: true; plan: { groups: never[] } }).plan.groups[0];
    expect(checkOrder(t, group, ["create-root", ...order])).toEqual({ kind: "ok" });
    process.env.ROOTLINE_TEST_UNSAFE_ORDER = "1";
    try {
      const { id } = await startRun(actor, { topology, unsafeOrder: order });
      await fleet.until(async () => (await state(id)) !== "running", 40);
      const done = await runStatus(id);
      expect(done.state, JSON.stringify(done)).toBe("succeeded");
      const c = fleet.nodes.get("c")!.store.groups.default;
      expect(c.roots).toHaveLength(1);
      // It keeps its old certificate second: its server may still need the fall-back (SPEC 4.1).
      expect(c.certificates).toHaveLength(2);
    } finally {
      delete process.env.ROOTLINE_TEST_UNSAFE_ORDER;
    }
  });
});

describe("the unsafe order (test-only negative control)", () => {
  it("sends exactly one task at a time, in the given order", async () => {
    const { topology, fleet } = await setup();
    const { planUpdate, parseTopology } = await import("../rotation");
    const plan = planUpdate((parseTopology(fig46()) as { ok: true; topology: never }).topology);
    const order = (plan as { ok: true; plan: { groups: { order: string[] }[] } }).plan.groups[0].order.filter((id) => id !== "create-root").reverse();
    process.env.ROOTLINE_TEST_UNSAFE_ORDER = "1";
    try {
      const { id } = await startRun(actor, { topology, unsafeOrder: order });
      expect((await runStatus(id)).tasks.filter((t) => t.state === "sent").map((t) => t.id)).toEqual([order[0]]);
      await fleet.until(async () => (await state(id)) !== "running", 80);
      // Reversed, replace-root comes first: the node refuses it (no distribution root held), retries, the run fails.
      const seen = [...new Set(fleet.requests.map((r) => r.task))];
      expect(seen).toEqual(order.slice(0, seen.length));
      expect(await state(id)).toBe("failed");
    } finally {
      delete process.env.ROOTLINE_TEST_UNSAFE_ORDER;
    }
  });
});
