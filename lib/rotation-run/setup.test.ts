import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cliActor } from "../auth/actor";
import { db } from "../db";
import { createIssuer } from "../issuers/service";
import { parseCertificateDer } from "../pki/certificate";
import { importTopology } from "../topologies/service";
import { fig46 } from "../topologies/samples";
import { expectInputError } from "../test/pki";
import { SimFleet } from "../test/rotationSim";
import { agentPollRoute } from "./agentApi";
import { bindGroup } from "./bind";
import { provisionTopology } from "./provision";
import { startRun } from "./start";

const actor = cliActor();
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "rl-prov-"));

describe("bind and provision", () => {
  it("refuse unknown names, unbound groups and unsafe node ids; provisioning writes every node's directory", async () => {
    const issuer = await createIssuer(actor, { name: "p-ca", subject: "CN=P Root", keyType: "ec-p256" });
    await importTopology(actor, { name: "p", text: JSON.stringify(fig46()) });
    await expectInputError(() => bindGroup(actor, { topology: "nope", issuer: "p-ca" }), "topology", /no topology named "nope"/);
    await expectInputError(() => bindGroup(actor, { topology: "p", group: "other", issuer: "p-ca" }), "group", /no root key group "other"/);
    await expectInputError(() => bindGroup(actor, { topology: "p", issuer: "nope" }), "issuer", /no issuer named "nope"/);
    await expectInputError(() => provisionTopology(actor, { topology: "p", out: tmp() }), "group", /"default" is not bound/);
    await bindGroup(actor, { topology: "p", issuer: "p-ca" });

    const out = tmp();
    const r = await provisionTopology(actor, { topology: "p", out, host: "127.0.0.1", basePort: 7400, caUrl: "http://127.0.0.1:9" });
    expect(r.nodes.map((n) => [n.id, n.port])).toEqual([["30-1", 7400], ["30-2", 7401], ["40-1", null], ["40-2", null], ["40-3", null], ["40-4", null]]);
    const dir = path.join(out, "40-3");
    expect(fs.statSync(path.join(dir, "key.pem")).mode & 0o777).toBe(0o600);
    const cfg = JSON.parse(fs.readFileSync(path.join(dir, "agent.json"), "utf8"));
    expect(cfg).toMatchObject({ version: 1, node: "40-3", caUrl: "http://127.0.0.1:9", direct: false, listen: null, route: ["30-1", "40-3"] });
    expect(cfg.links).toEqual([
      { peer: "30-1", role: "client", group: "default", auth: "mutual", address: { host: "127.0.0.1", port: 7400 } },
      { peer: "30-2", role: "client", group: "default", auth: "mutual", address: { host: "127.0.0.1", port: 7401 } },
    ]);
    const server = JSON.parse(fs.readFileSync(path.join(out, "30-1", "agent.json"), "utf8"));
    expect(server).toMatchObject({ direct: true, listen: { host: "127.0.0.1", port: 7400 }, route: ["30-1"] });
    const cert = parseCertificateDer(Buffer.from(fs.readFileSync(path.join(dir, "cert.pem"), "utf8").split("-----")[2].replace(/\s/g, ""), "base64"));
    expect(cert.subject).toBe("CN=40-3");
    expect(cert.issuer).toBe("CN=P Root");
    expect(cert.sans.map((s) => `${s.type}:${s.value}`)).toEqual(["dns:40-3.nodes.rootline.invalid", "ip:127.0.0.1"]);
    expect(fs.readFileSync(path.join(dir, "roots.pem"), "utf8").trim()).toBe(fs.readFileSync(path.join(out, "30-1", "roots.pem"), "utf8").trim());
    // The CA keeps the public key only.
    const node = await db().topologyNode.findFirstOrThrow({ where: { nodeId: "40-3" } });
    expect(Buffer.from(node.spki).equals(Buffer.from(cert.spki))).toBe(true);
    expect(await db().certificate.count({ where: { issuerId: issuer.id, sealedKey: { not: null } } })).toBe(0);
    expect(await db().topologyNodeCertificate.count({ where: { topologyId: node.topologyId } })).toBe(6);

    // Re-provisioning supersedes the previous certificates; refused while a run is unfinished.
    await provisionTopology(actor, { topology: "p", out: tmp() });
    expect(await db().certificate.count({ where: { issuerId: issuer.id, status: "superseded" } })).toBe(6);
    await startRun(actor, { topology: "p" });
    await expectInputError(() => provisionTopology(actor, { topology: "p", out: tmp() }), "topology", /unfinished/);
    await expectInputError(() => bindGroup(actor, { topology: "p", issuer: "p-ca" }), "group", /unfinished/);

    await importTopology(actor, { name: "evil", text: JSON.stringify({ nodes: [{ id: "..", direct: true, acceptsConnections: true }, { id: "b", direct: false, acceptsConnections: false }], links: [{ client: "b", server: "..", group: "default", auth: "mutual" }] }) });
    await bindGroup(actor, { topology: "evil", issuer: "p-ca" });
    await expectInputError(() => provisionTopology(actor, { topology: "evil", out: tmp() }), "topology", /directory name/);
  });
});

describe("POST /api/rotation/agent", () => {
  it("answers bad input with errorReply JSON naming the field", async () => {
    await createIssuer(actor, { name: "a-ca", keyType: "ec-p256" });
    await importTopology(actor, { name: "a", text: JSON.stringify(fig46()) });
    await bindGroup(actor, { topology: "a", issuer: "a-ca" });
    const out = tmp();
    await provisionTopology(actor, { topology: "a", out });
    const fleet = new SimFleet(out);
    const node = fleet.nodes.get("30-1")!;
    const post = (body: string, type = "application/jose") => agentPollRoute(new Request("http://x/api/rotation/agent", { method: "POST", headers: { "content-type": type }, body }));
    const expectError = async (r: Response, status: number, field: string) => {
      expect(r.status).toBe(status);
      expect((await r.json()).field).toBe(field);
    };
    const ok = await post(await fleet.pollBody(node, []));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ envelopes: [] });
    await expectError(await post(await fleet.pollBody(node, []), "application/json"), 415, "body");
    await expectError(await post("not a jws"), 400, "body");
    await expectError(await post("e30.e30.e30"), 400, "body");
    const other = fleet.nodes.get("30-2")!;
    const { signEnvelope } = await import("./protocol");
    await expectError(await post(await signEnvelope({ v: 1, type: "poll", topology: node.config.topology, node: "30-1", at: Date.now(), envelopes: [] }, other.key)), 401, "signature");
    await expectError(await post(await signEnvelope({ v: 1, type: "poll", topology: "nope", node: "30-1", at: Date.now(), envelopes: [] }, node.key)), 404, "topology");
    await expectError(await post(await signEnvelope({ v: 1, type: "poll", topology: node.config.topology, node: "99", at: Date.now(), envelopes: [] }, node.key)), 404, "node");
    await expectError(await post(await fleet.pollBody(node, [], Date.now() - 6 * 60_000)), 400, "at");
    await expectError(await post("x".repeat(4 * 1024 * 1024 + 1)), 413, "body");
    // A status report: stored, newest wins.
    const status = (at: number) => signEnvelope({ v: 1, type: "status", topology: node.config.topology, node: "40-1", at, stores: [], peers: [], pending: at }, fleet.nodes.get("40-1")!.key);
    expect((await post(await fleet.pollBody(node, [await status(2000), await status(1000)]))).status).toBe(200);
    expect((await post(await fleet.pollBody(node, [await status(1500)]))).status).toBe(200);
    const report = await db().nodeReport.findFirstOrThrow({ where: { topologyId: node.config.topology, nodeId: "40-1" } });
    expect(JSON.parse(report.status).pending).toBe(2000);
  });
});
