import Database from "better-sqlite3";
import { createPrivateKey, X509Certificate } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unsealIssuerKey } from "../secrets/keys";
import { Fleet, until, type FleetDoc } from "../test/fleet";
import { checkRunSucceeded, fig46five } from "../test/fleetChecks";
import { peekEnvelope, signEnvelope, type TaskResult, type UpdateRequest } from "./protocol";

/**
 * Fault injection on real processes (issue 9, "Proof"): the CA killed and restarted mid-run,
 * a tampered distribution root certificate (correctly signed by the CA's key, and altered in
 * transit), an agent killed mid-run (retries, the run fails, resume completes it), and the
 * negative control: an order the checker rejects, run with the test-only switch, breaks a real
 * handshake at the step and on the link the checker named.
 */

/** The distribution certificate with the last byte of its signature flipped (still parses, no longer verifies). */
function tamperCertificate(pem: string): string {
  const der = Buffer.from(new X509Certificate(pem).raw);
  der[der.length - 1] ^= 0x01;
  return `-----BEGIN CERTIFICATE-----\n${der.toString("base64").replace(/.{64}/g, "$&\n").replace(/\n$/, "")}\n-----END CERTIFICATE-----\n`;
}

/** Results (signed by the nodes) carried by a poll body on their way to the CA. */
function resultsIn(pollBody: Buffer): TaskResult[] {
  try {
    const poll = peekEnvelope(pollBody.toString("utf8"));
    if (poll.type !== "poll") return [];
    return poll.envelopes.flatMap((e) => {
      try {
        const m = peekEnvelope(e);
        return m.type === "result" ? [m] : [];
      } catch {
        return [];
      }
    });
  } catch {
    return [];
  }
}

describe("faults on FIG. 46 (seven agents)", () => {
  const fleet = new Fleet({ label: "faults" });
  const ISSUER = "faults-ca";
  beforeAll(async () => {
    await fleet.setup({ name: "faults", doc: fig46five(), issuer: ISSUER });
    await fleet.startCa();
    fleet.startAgents();
  }, 90_000);
  afterAll(() => fleet.close());

  it("a CA killed mid-run and started again on the same database continues the run to the end", async () => {
    await fleet.waitLinksOk(Date.now());
    const t0 = Date.now();
    const { id } = await fleet.startRun(["--mode", "stepwise", "--task-timeout-s", "10"]);
    await until("a first node task to succeed", () => fleet.tasks(id).some((t) => t.node && t.state === "succeeded"), 30_000, 50);
    await fleet.stopCa("SIGKILL");
    expect(fleet.runRow(id).state).toBe("running");
    await new Promise((r) => setTimeout(r, 1500)); // agents' polls fail meanwhile; results wait in them
    const restartedAt = Date.now();
    await fleet.startCa();
    await checkRunSucceeded(fleet, id, t0);
    // The restarted process did part of the work.
    expect(fleet.tasks(id).filter((t) => (t.completedAt ?? 0) > restartedAt).length).toBeGreaterThan(0);
  }, 120_000);

  it("rejects a tampered distribution root certificate and reports why; an alteration in transit fails the signature", async () => {
    // The old root key (as a faulty CA would use it): a correctly signed request carrying a bad certificate.
    const sqlite = new Database(fleet.dbFile(), { readonly: true });
    const issuer = sqlite.prepare("SELECT name, sealedKey FROM Issuer WHERE name = ?").get(ISSUER) as { name: string; sealedKey: Buffer };
    sqlite.close();
    const oldRootKey = createPrivateKey({ key: unsealIssuerKey(issuer), format: "der", type: "pkcs8" });
    const results: TaskResult[] = [];
    const tampered = new Set<string>();
    fleet.onPoll = async (request, reply) => {
      results.push(...resultsIn(request));
      const body = JSON.parse(reply.toString("utf8")) as { envelopes: string[] };
      body.envelopes = await Promise.all(
        body.envelopes.map(async (jws) => {
          const m = peekEnvelope(jws);
          if (m.type !== "update" || m.kind !== "store-root" || m.attempt !== 1 || !m.items.distribution) return jws;
          const altered: UpdateRequest = { ...m, items: { ...m.items, distribution: tamperCertificate(m.items.distribution) } };
          if (m.node === "40-1") {
            tampered.add("40-1");
            return signEnvelope(altered, oldRootKey); // signed by the CA's key, certificate bad
          }
          if (m.node === "40-2") {
            tampered.add("40-2");
            const [h, , s] = jws.split(".");
            return `${h}.${Buffer.from(JSON.stringify(altered)).toString("base64url")}.${s}`; // altered on the way
          }
          return jws;
        }),
      );
      return Buffer.from(JSON.stringify(body));
    };
    const errorsSeen = new Map<string, Set<string>>();
    try {
      await fleet.waitLinksOk(Date.now());
      const t0 = Date.now();
      const { id } = await fleet.startRun(["--mode", "stepwise", "--max-failures", "4", "--task-timeout-s", "4"]);
      // lastError as the run's status shows it while the task is retried.
      const watch = setInterval(() => {
        for (const t of fleet.tasks(id)) if (t.lastError) (errorsSeen.get(t.taskId) ?? errorsSeen.set(t.taskId, new Set()).get(t.taskId)!).add(t.lastError);
      }, 50);
      try {
        await checkRunSucceeded(fleet, id, t0);
      } finally {
        clearInterval(watch);
      }
      expect([...tampered].sort()).toEqual(["40-1", "40-2"]);
      const tasks = Object.fromEntries(fleet.tasks(id).map((t) => [t.taskId, t]));
      // 40-1: the signature verifies, the certificate does not: the node says so, signed, and the CA records it.
      const r1 = results.find((r) => r.task === "store-root:40-1" && r.attempt === 1);
      expect(r1, JSON.stringify(results.filter((r) => r.node === "40-1"))).toMatchObject({ node: "40-1", outcome: "failed" });
      expect(r1!.error).toMatch(/distribution/i);
      expect([...(errorsSeen.get("store-root:40-1") ?? [])].join(" | ")).toMatch(/distribution/i);
      expect(tasks["store-root:40-1"].attempts).toBeGreaterThanOrEqual(2);
      // 40-2: the altered request is not acted on; whatever it reports, nothing succeeded on attempt 1.
      expect(results.some((r) => r.task === "store-root:40-2" && r.attempt === 1 && r.outcome === "succeeded")).toBe(false);
      const r2 = results.find((r) => r.task === "store-root:40-2" && r.attempt === 1);
      if (r2) expect(r2.error).toMatch(/signature/i);
      expect(tasks["store-root:40-2"].attempts).toBeGreaterThanOrEqual(2);
      expect(errorsSeen.get("store-root:40-2")?.size ?? 0).toBeGreaterThan(0);
    } finally {
      fleet.onPoll = undefined;
    }
    console.log("tamper: lastError seen", JSON.stringify(Object.fromEntries([...errorsSeen].map(([k, v]) => [k, [...v]]))));
  }, 120_000);

  it("an agent killed mid-run: its tasks retry, the run fails after N attempts, the other links keep authenticating; restart and resume complete it", async () => {
    await fleet.waitLinksOk(Date.now());
    const t0 = Date.now();
    const { id } = await fleet.startRun(["--mode", "stepwise", "--max-failures", "2", "--task-timeout-s", "3"]);
    await until("store-root:40-3 to succeed", () => fleet.tasks(id).some((t) => t.taskId === "store-root:40-3" && t.state === "succeeded"), 30_000, 50);
    await fleet.killAgent("40-3", "SIGKILL");
    const killedAt = Date.now();
    expect(await fleet.waitRun(id, ["failed", "succeeded"], 60_000)).toBe("failed");

    const failed = await fleet.status(id);
    expect(failed.state).toBe("failed");
    const stuck = failed.tasks.filter((t) => t.node === "40-3" && t.state !== "succeeded");
    expect(stuck.length).toBeGreaterThan(0);
    const limit = stuck.filter((t) => t.attempts >= 2 && t.lastError);
    expect(limit.length, JSON.stringify(stuck)).toBeGreaterThan(0);
    // No other node's task failed: the run failed because of 40-3 alone.
    expect(failed.tasks.filter((t) => t.node !== "40-3" && t.lastError)).toEqual([]);
    // The other links kept authenticating after the kill, and after the run failed.
    const others = fleet.doc.links.filter((l) => l.client !== "40-3" && l.server !== "40-3");
    await fleet.waitLinksOk(Date.now(), 15_000, others);
    for (const l of others) expect(fleet.handshakes(l.client).some((h) => h.peer === l.server && h.result !== "failed" && Date.parse(h.at) > killedAt)).toBe(true);
    expect(fleet.handshakeViolations(t0, Date.now(), { skipNodes: ["40-3"] })).toEqual([]);

    fleet.startAgent("40-3");
    const restartedAt = Date.now();
    await fleet.waitLinksOk(restartedAt);
    await fleet.cliOk(["rotation", "resume", id]);
    await checkRunSucceeded(fleet, id, restartedAt);
    expect(fleet.handshakeViolations(t0, Date.now(), { skipNodes: ["40-3"] })).toEqual([]);
  }, 150_000);
});

describe("negative control: an order the checker rejects breaks a real handshake where it said", () => {
  const pair: FleetDoc = {
    nodes: [
      { id: "srv", direct: true, acceptsConnections: true },
      // The CA reaches the server only (FIG. 13): cli's requests come on its poll of srv, so
      // once srv presents a certificate cli cannot verify, nothing can repair the link.
      { id: "cli", direct: false, acceptsConnections: false },
    ],
    links: [{ client: "cli", server: "srv", group: "default", auth: "mutual" }],
  };
  const fleet = new Fleet({ label: "unsafe" });
  const order = ["create-root", "store-root:srv", "store-cert:srv", "store-root:cli", "store-cert:cli", "replace-root:srv", "replace-root:cli"];
  let orderFile = "";
  beforeAll(async () => {
    await fleet.setup({ name: "pair", doc: pair, issuer: "pair-ca" });
    await fleet.startCa();
    fleet.startAgents();
    orderFile = path.join(fleet.dir, "order.json");
    fs.writeFileSync(orderFile, JSON.stringify(order));
  }, 90_000);
  afterAll(() => fleet.close());

  it("the checker names step 3 and the link cli → srv; the run with the switch shows cli failing to authenticate srv exactly there", async () => {
    fs.writeFileSync(path.join(fleet.dir, "pair.json"), JSON.stringify(pair));
    const check = await fleet.cli(["plan", path.join(fleet.dir, "pair.json"), "--check", orderFile]);
    expect(check.code).toBe(1);
    expect(JSON.parse(check.out)).toMatchObject({ ok: false, step: 3, task: "store-cert:srv", link: { client: "cli", server: "srv" } });
    // Without the test-only switch the order is refused.
    expect((await fleet.cli(["rotation", "start", "--topology", "pair", "--unsafe-order", orderFile, "--json"])).code).not.toBe(0);

    await fleet.waitLinksOk(Date.now());
    const t0 = Date.now();
    const { id } = await fleet.startRun(["--unsafe-order", orderFile, "--max-failures", "3", "--task-timeout-s", "3"], { ROOTLINE_TEST_UNSAFE_ORDER: "1" });
    // store-root:cli travels over the broken link: it is retried until the run fails.
    expect(await fleet.waitRun(id, ["succeeded", "failed"], 60_000)).toBe("failed");
    const tasks = Object.fromEntries(fleet.tasks(id).map((t) => [t.taskId, t]));
    expect(tasks["store-cert:srv"].state).toBe("succeeded");
    expect(tasks["store-root:cli"].state).not.toBe("succeeded");
    const certSent = tasks["store-cert:srv"].sentAt!;
    const failures = fleet.handshakes("cli").filter((h) => h.result === "failed" && Date.parse(h.at) >= t0);
    expect(failures.length, "cli failed to authenticate srv at least once").toBeGreaterThan(0);
    expect(failures.every((h) => h.peer === "srv" && h.role === "client")).toBe(true);
    expect(failures[0].reason ?? "").toMatch(/certificate|verify|issuer/i);
    // Not before the step the checker named: everything up to store-cert:srv authenticated.
    expect(failures.every((h) => Date.parse(h.at) >= certSent)).toBe(true);
    expect(fleet.handshakeViolations(t0, certSent)).toEqual([]);
    // And the link stays broken: no successful handshake on it after the step.
    const lastFail = Date.parse(failures[failures.length - 1].at);
    expect(fleet.handshakes("cli").some((h) => h.result !== "failed" && Date.parse(h.at) > Date.parse(failures[0].at) && Date.parse(h.at) <= lastFail)).toBe(false);
    console.log(`negative control: ${failures.length} failed handshakes cli→srv, first: ${JSON.stringify(failures[0])}; run ${fleet.runRow(id).state}`);
  }, 120_000);
});
