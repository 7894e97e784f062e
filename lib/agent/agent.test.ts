import { X509Certificate } from "node:crypto";
import fs from "node:fs";
import https from "node:https";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { fakeCa, makeFleet, makeRoot, rotationMaterial, updateRequest } from "../test/agents";
import type { HandshakeRecord, Message, TaskResult } from "../rotation-run/protocol";
import { startAgent, type RunningAgent } from "./index";
import { loadStore } from "./store";

const running: RunningAgent[] = [];
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((a) => a.stop()));
  for (const c of cleanups.splice(0)) await c();
});

async function start(dir: string, caUrl?: string) {
  const a = await startAgent({ dir, caUrl, handshakeIntervalMs: 150, pollIntervalMs: 150 });
  running.push(a);
  return a;
}

function handshakes(dir: string): HandshakeRecord[] {
  const file = path.join(dir, "handshakes.jsonl");
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
}

async function until<T>(f: () => T | undefined | false, what: string, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const isResult = (task: string, outcome?: TaskResult["outcome"]) => (m: Message): m is TaskResult => m.type === "result" && m.task === task && (!outcome || m.outcome === outcome);

describe("node agents over real TLS", () => {
  it("a mutual link handshakes ok on both sides; exact handshakes.jsonl lines", async () => {
    const root = await makeRoot();
    const f = await makeFleet({ root, nodes: ["a", "b"], links: [["a", "b"]], direct: ["a", "b"] });
    cleanups.push(f.cleanup);
    await start(f.nodes.get("b")!.dir);
    await start(f.nodes.get("a")!.dir);
    const client = await until(() => handshakes(f.nodes.get("a")!.dir)[0], "client handshake");
    const server = await until(() => handshakes(f.nodes.get("b")!.dir)[0], "server handshake");
    expect(client).toEqual({ at: expect.any(String), peer: "b", role: "client", result: "ok", group: "default" });
    expect(server).toEqual({ at: expect.any(String), peer: "a", role: "server", result: "ok", group: "default" });
    expect(Object.keys(client)).toEqual(["at", "peer", "role", "result", "group"]);
  });

  it("a one-way link: the client presents no certificate and names itself", async () => {
    const root = await makeRoot();
    const f = await makeFleet({ root, nodes: ["a", "b"], links: [["a", "b", "one-way"]], direct: ["a", "b"] });
    cleanups.push(f.cleanup);
    await start(f.nodes.get("b")!.dir);
    await start(f.nodes.get("a")!.dir);
    expect((await until(() => handshakes(f.nodes.get("a")!.dir)[0], "client")).result).toBe("ok");
    expect(await until(() => handshakes(f.nodes.get("b")!.dir)[0], "server")).toMatchObject({ peer: "a", role: "server", result: "ok" });
  });

  it("a mutual link refuses a client whose certificate is from another root (failed on both sides, no fallback)", async () => {
    const root = await makeRoot();
    const other = await makeRoot("CN=Other Root");
    const f = await makeFleet({ root, nodes: ["a", "b"], links: [["a", "b"]], direct: ["a", "b"] });
    cleanups.push(f.cleanup);
    const a = f.nodes.get("a")!;
    // a's only certificate now chains to a root b does not hold.
    const store = await loadStore(a.dir);
    const { leaf } = await import("../test/agents");
    store.groups.default.certificates = [leaf(other.signer, "a", a.publicKey)];
    const { saveStore } = await import("./store");
    await saveStore(a.dir, store);
    await start(f.nodes.get("b")!.dir);
    await start(a.dir);
    const c = await until(() => handshakes(a.dir)[0], "client");
    expect(c).toMatchObject({ peer: "b", role: "client", result: "failed" });
    expect(c.reason).toMatch(/does not verify with any root held in group default/);
    const s = await until(() => handshakes(f.nodes.get("b")!.dir)[0], "server settles after 5 s", 8_000);
    expect(s).toMatchObject({ peer: "a", role: "server", result: "failed" });
  }, 15_000);

  it("fallback: a client holding new + old certificates whose server holds only the old root logs fallback on both sides", async () => {
    const root = await makeRoot();
    const rot = await rotationMaterial(root);
    const f = await makeFleet({ root, nodes: ["c", "s"], links: [["c", "s"]], direct: ["c", "s"] });
    cleanups.push(f.cleanup);
    const c = f.nodes.get("c")!;
    const { saveStore } = await import("./store");
    const store = await loadStore(c.dir);
    store.groups.default.roots.push(rot.distribution);
    store.groups.default.certificates.unshift(rot.certificateFor("c", c.publicKey));
    await saveStore(c.dir, store);
    await start(f.nodes.get("s")!.dir);
    await start(c.dir);
    const cl = await until(() => handshakes(c.dir)[0], "client");
    expect(cl).toMatchObject({ peer: "s", role: "client", result: "fallback", group: "default" });
    const sv = await until(() => handshakes(f.nodes.get("s")!.dir)[0], "server");
    expect(sv).toMatchObject({ peer: "c", role: "server", result: "fallback", group: "default" });
    expect(handshakes(c.dir).every((h) => h.result === "fallback")).toBe(true);
  });

  it("a server that replaced its certificate too early fails with a client holding only the old root, whatever chain it could send (R1)", async () => {
    // The server holds old + distribution roots and presents its new certificate; the client
    // holds only the old root. OpenSSL, given the server's roots as `ca`, would send the
    // distribution root along and the client would build new → distribution → old: SPEC 4.1
    // accepts only what a held root verifies.
    const root = await makeRoot();
    const rot = await rotationMaterial(root);
    const f = await makeFleet({ root, nodes: ["c", "s"], links: [["c", "s"]], direct: ["c", "s"] });
    cleanups.push(f.cleanup);
    const s = f.nodes.get("s")!;
    const { saveStore } = await import("./store");
    const store = await loadStore(s.dir);
    store.groups.default.roots.push(rot.distribution);
    store.groups.default.certificates = [rot.certificateFor("s", s.publicKey)];
    await saveStore(s.dir, store);
    await start(s.dir);
    await start(f.nodes.get("c")!.dir);
    const cl = await until(() => handshakes(f.nodes.get("c")!.dir)[0], "client");
    expect(cl).toMatchObject({ peer: "s", role: "client", result: "failed" });
    expect(cl.reason).toMatch(/certificate of s does not verify with any root held in group default/);
  });

  it("relays: a request through a push hop and a poll-only hop, the result back to the CA; a push-hop target answers too", async () => {
    // a (direct) → b: a is b's client (push); b → c: c is b's client (poll-only hop for b).
    const root = await makeRoot();
    const rot = await rotationMaterial(root);
    const keysByNode = new Map();
    const f0 = { root, nodes: ["a", "b", "c"], links: [["a", "b"], ["c", "b"]] as [string, string][], direct: ["a"], routes: { b: ["a", "b"], c: ["a", "b", "c"] } };
    // The CA stand-in needs the node keys, which makeFleet makes: they are filled in below.
    const ca = await fakeCa(keysByNode);
    cleanups.push(ca.close);
    const f = await makeFleet({ ...f0, caUrl: ca.url });
    cleanups.push(f.cleanup);
    for (const n of f.nodes.values()) keysByNode.set(n.id, n.publicKey);
    for (const id of ["b", "a", "c"]) await start(f.nodes.get(id)!.dir);
    ca.send("a", await updateRequest(root.key, { kind: "store-root", node: "c", route: ["a", "b", "c"], items: { distribution: rot.distribution } }));
    ca.send("a", await updateRequest(root.key, { kind: "store-root", node: "b", route: ["a", "b"], items: { distribution: rot.distribution } }));
    const rc = await ca.waitFor(isResult("store-root:c"));
    expect(rc).toMatchObject({ node: "c", outcome: "succeeded" });
    expect(rc.store!.roots.map((r) => r.subject)).toEqual(["CN=Fleet Root", "CN=Fleet Root (key 2)"]);
    expect((await ca.waitFor(isResult("store-root:b"))).outcome).toBe("succeeded");
    const c = f.nodes.get("c")!.dir;
    expect((await loadStore(c)).applied["run1/store-root:c"]).toMatchObject({ attempt: 1, outcome: "succeeded" });
    expect(fs.readFileSync(path.join(c, "roots.pem"), "utf8").match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    // Status reports of relayed nodes reach the CA too.
    await ca.waitFor((m): m is Message => m.type === "status" && m.node === "c" && m.stores[0].roots.length === 2);
  }, 30_000);

  it("polls ride on the authenticated connection until the next periodic handshake; a store change re-authenticates at once", async () => {
    // b (direct server) → a (its client) is a poll hop: a's polls carry the request to it.
    const root = await makeRoot();
    const rot = await rotationMaterial(root);
    const keys = new Map();
    const ca = await fakeCa(keys);
    cleanups.push(ca.close);
    const f = await makeFleet({ root, nodes: ["a", "b"], links: [["a", "b"]], direct: ["b"], routes: { a: ["b", "a"] }, caUrl: ca.url });
    cleanups.push(f.cleanup);
    for (const n of f.nodes.values()) keys.set(n.id, n.publicKey);
    for (const id of ["b", "a"]) running.push(await startAgent({ dir: f.nodes.get(id)!.dir, caUrl: ca.url, handshakeIntervalMs: 60_000, pollIntervalMs: 100 }));
    const a = f.nodes.get("a")!.dir;
    await until(() => handshakes(a)[0], "first handshake");
    await new Promise((r) => setTimeout(r, 1500));
    // About 15 polls, one handshake.
    expect(handshakes(a)).toHaveLength(1);
    ca.send("b", await updateRequest(root.key, { kind: "store-root", node: "a", route: ["b", "a"], items: { distribution: rot.distribution } }));
    expect((await ca.waitFor(isResult("store-root:a"))).outcome).toBe("succeeded");
    // a's store changed: its next exchange is a fresh handshake with what it now holds.
    const second = await until(() => handshakes(a)[1], "handshake after the store change", 5_000);
    expect(second).toMatchObject({ peer: "b", role: "client", result: "ok" });
  }, 30_000);

  it("rejects a tampered distribution certificate with the reason; nothing changes; a repeat gets the recorded answer", async () => {
    const root = await makeRoot();
    const rot = await rotationMaterial(root);
    const keys = new Map();
    const ca = await fakeCa(keys);
    cleanups.push(ca.close);
    const f = await makeFleet({ root, nodes: ["a"], links: [], direct: ["a"], caUrl: ca.url });
    cleanups.push(f.cleanup);
    const a = f.nodes.get("a")!;
    keys.set("a", a.publicKey);
    const before = fs.readFileSync(path.join(a.dir, "store.json"), "utf8");
    // Flip one bit in the signature (the last bytes of the DER).
    const der = Buffer.from(new X509Certificate(rot.distribution).raw);
    der[der.length - 3] ^= 1;
    const tampered = `-----BEGIN CERTIFICATE-----\n${der.toString("base64").replace(/.{64}/g, "$&\n")}\n-----END CERTIFICATE-----\n`;
    await start(a.dir, ca.url);
    ca.send("a", await updateRequest(root.key, { kind: "store-root", node: "a", route: ["a"], items: { distribution: tampered } }));
    const r = await ca.waitFor(isResult("store-root:a"));
    expect(r.outcome).toBe("failed");
    expect(r.error).toBe("the distribution root certificate does not verify with any held root");
    const after = JSON.parse(fs.readFileSync(path.join(a.dir, "store.json"), "utf8"));
    expect(after.groups).toEqual(JSON.parse(before).groups);
    // A request signed by a key the node does not trust is refused as well.
    const stranger = await makeRoot("CN=Stranger");
    ca.send("a", await updateRequest(stranger.key, { kind: "store-root", node: "a", task: "store-root:x", route: ["a"], items: { distribution: rot.distribution } }));
    expect((await ca.waitFor(isResult("store-root:x"))).error).toMatch(/signature does not verify with any root held/);
  }, 20_000);

  it("a slow apply answers delayed, then the result", async () => {
    const root = await makeRoot();
    const rot = await rotationMaterial(root);
    const keys = new Map();
    const ca = await fakeCa(keys);
    cleanups.push(ca.close);
    const f = await makeFleet({ root, nodes: ["a"], links: [], direct: ["a"], caUrl: ca.url });
    cleanups.push(f.cleanup);
    keys.set("a", f.nodes.get("a")!.publicKey);
    const a = await startAgent({ dir: f.nodes.get("a")!.dir, pollIntervalMs: 100, applyDelayMs: 2_500 });
    running.push(a);
    ca.send("a", await updateRequest(root.key, { kind: "store-root", node: "a", route: ["a"], items: { distribution: rot.distribution } }));
    await ca.waitFor(isResult("store-root:a", "delayed"));
    await ca.waitFor(isResult("store-root:a", "succeeded"));
  }, 20_000);

  it("GET /status on the TLS listener answers the status JSON", async () => {
    const root = await makeRoot();
    const f = await makeFleet({ root, nodes: ["a", "b"], links: [["a", "b"]], direct: ["a", "b"] });
    cleanups.push(f.cleanup);
    const b = await start(f.nodes.get("b")!.dir);
    const body = await new Promise<string>((resolve, reject) => {
      https
        .get({ host: "127.0.0.1", port: b.port!, path: "/status", rejectUnauthorized: false }, (res) => {
          let s = "";
          res.on("data", (d) => (s += d));
          res.on("end", () => (res.statusCode === 200 ? resolve(s) : reject(new Error(`${res.statusCode}`))));
        })
        .on("error", reject);
    });
    const status = JSON.parse(body);
    expect(status).toMatchObject({ type: "status", node: "b", pending: 0 });
    expect(status.stores[0].roots[0]).toMatchObject({ subject: "CN=Fleet Root", selfSigned: true });
    expect(JSON.parse(fs.readFileSync(path.join(f.nodes.get("b")!.dir, "status.json"), "utf8")).node).toBe("b");
  });
});
