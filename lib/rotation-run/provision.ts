/**
 * `rootline topology provision` (docs/ROTATION_RUNS.md "Setup"): a P-256 key pair per node,
 * its public key registered (agents sign with the private key, which only the node's directory
 * holds), one certificate per node and group issued under the group's bound issuer through
 * the normal issuance path, and every node's directory written.
 */
import crypto from "node:crypto";
import { isIP } from "node:net";
import path from "node:path";
import { writeNodeDirectory } from "../agent/files";
import type { AgentConfig } from "../agent/config";
import { appendAudit } from "../audit";
import type { Actor } from "../auth/actor";
import { requirePermission } from "../auth/roles";
import { issueCertificate, type IssuedCertificate } from "../certificates/issue";
import type { SignRequest } from "../certificates/request";
import { db } from "../db";
import { ConflictError, InputError } from "../errors";
import { buildDn } from "../pki/dn";
import { spkiSha256Hex } from "../pki/keys";
import { pemEncode } from "../pki/pem";
import { parseProfile } from "../pki/profiles";
import { parseSans } from "../pki/san";
import { computeRoutes, type Topology } from "../rotation";
import { markSupersededMany } from "../store/state";
import { groupsOf, linksOf, presentsCertificate, topologyByName, UNFINISHED } from "./topology";
import { count } from "../plural";

export const DEFAULT_BASE_PORT = 7400;
export const NODE_DNS_SUFFIX = "nodes.rootline.invalid";

export interface ProvisionInput {
  topology: string;
  out: string;
  host?: string;
  basePort?: number;
  /** The CA URL written into agent.json (agents may override it with --ca-url). */
  caUrl?: string;
}

export interface ProvisionedNode {
  id: string;
  dir: string;
  port: number | null;
}

export function defaultCaUrl(): string {
  return process.env.ROOTLINE_PUBLIC_URL ?? `http://127.0.0.1:${process.env.PORT ?? "3000"}`;
}

/** A node id becomes a directory name: refuse what would leave `out`. */
function checkDirectoryName(id: string): void {
  if (id === "." || id === ".." || /[/\\\0]/.test(id)) throw new InputError("topology", `node id "${id}" cannot be used as a directory name`);
}

function checkPort(basePort: number | undefined, listeners: number): number {
  const p = basePort ?? DEFAULT_BASE_PORT;
  if (!Number.isInteger(p) || p < 1 || p + Math.max(listeners, 1) - 1 > 65_535) throw new InputError("base-port", `the base port must be a whole number from 1 to ${65_536 - Math.max(listeners, 1)} (${count(listeners, "node")} ${listeners === 1 ? "accepts" : "accept"} connections)`);
  return p;
}

/** What the node's certificate for a group says: CN=<node id>, DNS:<node id>.nodes.rootline.invalid, the host. */
function nodeRequest(id: string, spki: Uint8Array, host: string): SignRequest {
  const dn = buildDn({ CN: id }, "topology");
  return {
    subjectDer: dn.der,
    subject: dn.text,
    commonName: id,
    spki,
    spkiSha256: spkiSha256Hex(spki),
    keyType: "ec-p256",
    profile: parseProfile("both", "profile"),
    sans: parseSans([`DNS:${id}.${NODE_DNS_SUFFIX}`, `${isIP(host) ? "IP" : "DNS"}:${host}`], "topology"),
  };
}

/** agent.json of one node: its listen address, its links (with the server's address when it is the client), its route. */
function agentConfig(t: { id: string; topology: Topology }, node: string, ports: Map<string, number>, host: string, caUrl: string, route: readonly string[]): AgentConfig {
  const n = t.topology.nodes.find((x) => x.id === node)!;
  const links: AgentConfig["links"] = [];
  for (const l of t.topology.links) {
    if (l.client === node) links.push({ peer: l.server, role: "client", group: l.group, auth: l.auth, address: { host, port: ports.get(l.server)! } });
    else if (l.server === node) links.push({ peer: l.client, role: "server", group: l.group, auth: l.auth });
  }
  const port = ports.get(node);
  return { version: 1, topology: t.id, node, caUrl, direct: n.direct, listen: port === undefined ? null : { host, port }, links, route: [...route] };
}

export async function provisionTopology(actor: Actor, input: ProvisionInput): Promise<{ topologyId: string; nodes: ProvisionedNode[] }> {
  requirePermission(actor.role, "topologies:write");
  requirePermission(actor.role, "certificates:write");
  if (typeof input.out !== "string" || !input.out.trim()) throw new InputError("out", "the output directory is required");
  const host = (input.host ?? "127.0.0.1").trim();
  if (!host) throw new InputError("host", "the host is required");
  const caUrl = input.caUrl ?? defaultCaUrl();
  const t = await topologyByName(db(), input.topology);
  const { topology } = t;
  topology.nodes.forEach((n) => checkDirectoryName(n.id));
  const groups = groupsOf(topology);
  const bindings = await db().topologyBinding.findMany({ where: { topologyId: t.id }, select: { group: true, issuerId: true } });
  const issuerOf = new Map(bindings.map((b) => [b.group, b.issuerId]));
  const unbound = groups.filter((g) => !issuerOf.has(g));
  if (unbound.length) throw new InputError("group", `bind every root key group before provisioning: ${unbound.map((g) => `"${g}"`).join(", ")} ${unbound.length === 1 ? "is" : "are"} not bound (rootline topology bind --topology ${JSON.stringify(t.name)} --group G --issuer ISSUER)`);
  const issuers = await db().issuer.findMany({ where: { id: { in: [...new Set(issuerOf.values())] } }, select: { id: true, name: true, certificateDer: true } });
  const issuerById = new Map(issuers.map((i) => [i.id, i]));
  await refuseUnfinished(t.id);

  const listeners = topology.nodes.filter((n) => n.acceptsConnections);
  const base = checkPort(input.basePort, listeners.length);
  const ports = new Map(listeners.map((n, i) => [n.id, base + i]));
  const keys = new Map(
    topology.nodes.map((n) => {
      const pair = crypto.generateKeyPairSync("ec", { namedCurve: "prime256v1" });
      return [n.id, { pem: pair.privateKey.export({ format: "pem", type: "pkcs8" }).toString(), spki: new Uint8Array(pair.publicKey.export({ format: "der", type: "spki" })) }];
    }),
  );

  // Every node of a group holds the group's root; a certificate only where it presents one (a
  // server, or a client on a mutual link: SPEC 4.1; a client only on one-way links has none).
  // Concurrent requests share transactions (group commit).
  const members = groups.flatMap((g) => {
    const inGroup = new Set(linksOf(topology, g).flatMap((l) => [l.client, l.server]));
    return topology.nodes.filter((n) => inGroup.has(n.id)).map((n) => ({ node: n.id, group: g, issuer: issuerById.get(issuerOf.get(g)!)! }));
  });
  const wanted = members.filter((m) => presentsCertificate(topology, m.group, m.node));
  const issued: IssuedCertificate[] = await Promise.all(wanted.map((w) => issueCertificate(actor, w.issuer.name, nodeRequest(w.node, keys.get(w.node)!.spki, host))));

  await db().$transaction(async (tx) => {
    await refuseUnfinished(t.id, tx);
    const previous = await tx.topologyNodeCertificate.findMany({ where: { topologyId: t.id }, select: { certificateId: true } });
    await tx.topologyNode.deleteMany({ where: { topologyId: t.id } });
    await tx.topologyNode.createMany({ data: topology.nodes.map((n) => ({ topologyId: t.id, nodeId: n.id, spki: Buffer.from(keys.get(n.id)!.spki) as Uint8Array<ArrayBuffer> })) });
    await tx.topologyNodeCertificate.deleteMany({ where: { topologyId: t.id } });
    await tx.topologyNodeCertificate.createMany({ data: wanted.map((w, i) => ({ topologyId: t.id, nodeId: w.node, group: w.group, certificateId: issued[i].id })) });
    // The nodes got new keys: their previous certificates are replaced.
    const superseded = await markSupersededMany(tx, previous.map((p) => p.certificateId));
    await appendAudit(tx, actor, {
      action: "topology.provision",
      targetType: "topology",
      targetId: t.id,
      after: { name: t.name, nodes: topology.nodes.length, certificates: Object.fromEntries(groups.map((g) => [g, wanted.filter((w) => w.group === g).length])), host, basePort: base, superseded },
    });
  });

  const routing = computeRoutes(topology);
  const out = path.resolve(input.out);
  const result: ProvisionedNode[] = [];
  for (const n of topology.nodes) {
    const dir = path.join(out, n.id);
    const certOf = new Map(wanted.map((w, i) => [`${w.node}\u0000${w.group}`, issued[i]]));
    const mine = members.filter((m) => m.node === n.id);
    await writeNodeDirectory(dir, {
      keyPem: keys.get(n.id)!.pem,
      config: agentConfig(t, n.id, ports, host, caUrl, routing.route(n.id)),
      groups: Object.fromEntries(
        mine.map((m) => {
          const cert = certOf.get(`${m.node}\u0000${m.group}`);
          return [m.group, { roots: [pemEncode("CERTIFICATE", m.issuer.certificateDer)], certificates: cert ? [pemEncode("CERTIFICATE", cert.der)] : [] }];
        }),
      ),
    });
    result.push({ id: n.id, dir, port: ports.get(n.id) ?? null });
  }
  return { topologyId: t.id, nodes: result };
}

async function refuseUnfinished(topologyId: string, tx: Pick<ReturnType<typeof db>, "rotationRun"> = db()): Promise<void> {
  const run = await tx.rotationRun.findFirst({ where: { topologyId, state: { in: UNFINISHED } }, select: { id: true, group: true } });
  if (run) throw new ConflictError("topology", `run ${run.id} on group "${run.group}" is unfinished; re-provisioning would take the nodes' keys away from it`);
}
