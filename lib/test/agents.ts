/**
 * Test harness for node agents (lib/agent): a fleet PKI made with lib/pki (old root, node
 * certificates, and on demand the rotation material the CA engine makes), node directories,
 * update requests signed with the old root key, and a stand-in for the CA's
 * POST /api/rotation/agent that answers queued envelopes. Test code, not product code.
 */
import { createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import fs from "node:fs";
import { createServer, type Server } from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import type { AgentConfig, AgentLink } from "../agent/config";
import { writeNodeDirectory } from "../agent/files";
import { createCaCertificate, createIssuerSigner, type IssuerSigner } from "../pki/issue";
import { pemEncode } from "../pki/pem";
import { peekEnvelope, signEnvelope, verifyEnvelope, type Message, type UpdateRequest } from "../rotation-run/protocol";

const DAY = 86_400_000;
const pem = (der: Uint8Array) => pemEncode("CERTIFICATE", der);
const spki = (k: KeyObject) => new Uint8Array((k.type === "public" ? k : createPublicKey(k)).export({ format: "der", type: "spki" }));
const ecKey = () => generateKeyPairSync("ec", { namedCurve: "P-256" });

export interface Root {
  key: KeyObject;
  pem: string;
  signer: IssuerSigner;
}

let serial = 100n;

export async function makeRoot(subject = "CN=Fleet Root"): Promise<Root> {
  const { privateKey } = ecKey();
  const now = Date.now();
  const der = await createCaCertificate({ subject, keyPair: { privateKey }, notBefore: new Date(now - 3600_000), notAfter: new Date(now + 365 * DAY), serial: serial++ });
  return { key: privateKey, pem: pem(der), signer: createIssuerSigner({ certDer: der, privateKey }) };
}

export function leaf(signer: IssuerSigner, node: string, publicKey: KeyObject): string {
  const now = Date.now();
  return pem(signer.issue({ subject: `CN=${node}`, subjectPublicKeySpki: spki(publicKey), serial: serial++, notBefore: new Date(now - 3600_000), notAfter: new Date(now + 30 * DAY), profile: "both", sans: [`DNS:${node}.nodes.rootline.invalid`, "IP:127.0.0.1"] }));
}

/** The CA engine's rotation material: distribution root (new key, signed by the old), new root, re-signed node certificates. */
export async function rotationMaterial(old: Root, subject = "CN=Fleet Root (key 2)") {
  const fresh = await makeRoot(subject);
  const now = Date.now();
  // Within the old root's lifetime: a busy machine may pass a second between the two roots.
  const notAfter = new Date(Math.min(now + 365 * DAY, old.signer.certificate.notAfter.getTime()));
  const distribution = pem(old.signer.issue({ subject, subjectPublicKeySpki: spki(fresh.key), serial: serial++, notBefore: new Date(now - 3600_000), notAfter, profile: "ca" }));
  return { newRoot: fresh, distribution, certificateFor: (node: string, publicKey: KeyObject) => leaf(fresh.signer, node, publicKey) };
}

export interface FleetNode {
  id: string;
  dir: string;
  key: KeyObject;
  publicKey: KeyObject;
  port: number | null;
}

/** A free TCP port on 127.0.0.1 (listen on 0, close). */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export type LinkSpec = [client: string, server: string, auth?: "mutual" | "one-way"];

/**
 * Writes one directory per node under a temp dir: links client → server in group "default",
 * `direct` nodes poll the CA at caUrl, routes given per node (default [node] for direct ones).
 */
export async function makeFleet(o: { root: Root; nodes: string[]; links: LinkSpec[]; direct: string[]; routes?: Record<string, string[]>; caUrl?: string; extraCerts?: Record<string, string[]> }) {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "rootline-agents-"));
  const servers = new Set(o.links.map((l) => l[1]));
  const nodes = new Map<string, FleetNode>();
  for (const id of o.nodes) {
    const { privateKey, publicKey } = ecKey();
    nodes.set(id, { id, dir: path.join(base, id), key: privateKey, publicKey, port: servers.has(id) ? await freePort() : null });
  }
  for (const n of nodes.values()) {
    const links: AgentLink[] = [];
    for (const [c, s, auth = "mutual"] of o.links) {
      if (c === n.id) links.push({ peer: s, role: "client", group: "default", auth, address: { host: "127.0.0.1", port: nodes.get(s)!.port! } });
      if (s === n.id) links.push({ peer: c, role: "server", group: "default", auth });
    }
    const direct = o.direct.includes(n.id);
    const config: AgentConfig = {
      version: 1,
      topology: "t1",
      node: n.id,
      caUrl: o.caUrl ?? "http://127.0.0.1:9",
      direct,
      listen: n.port === null ? null : { host: "127.0.0.1", port: n.port },
      links,
      route: o.routes?.[n.id] ?? [n.id],
    };
    const certificates = [...(o.extraCerts?.[n.id] ?? []), leaf(o.root.signer, n.id, n.publicKey)];
    await writeNodeDirectory(n.dir, { keyPem: n.key.export({ format: "pem", type: "pkcs8" }) as string, config, groups: { default: { roots: [o.root.pem], certificates } } });
  }
  return { base, nodes, cleanup: () => fs.rmSync(base, { recursive: true, force: true }) };
}

let iat = 0;
/** An update request signed with `key` (the CA's old root key). */
export function updateRequest(key: KeyObject, r: Pick<UpdateRequest, "kind" | "node" | "route" | "items"> & Partial<UpdateRequest>): Promise<string> {
  const task = r.task ?? `${r.kind}:${r.node}`;
  const req: UpdateRequest = { v: 1, type: "update", topology: "t1", run: "run1", group: "default", attempt: 1, iat: Date.now() + iat++, ...r, task };
  return signEnvelope(req, key);
}

/** Stand-in for the CA's POST /api/rotation/agent: queues envelopes per direct node, collects what polls carry. */
export async function fakeCa(nodeKeys: Map<string, KeyObject>) {
  const queued = new Map<string, string[]>();
  const received: Message[] = [];
  const waiters: (() => void)[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      try {
        if (req.url !== "/api/rotation/agent" || req.headers["content-type"] !== "application/jose") throw new Error("bad request");
        const jws = Buffer.concat(chunks).toString("utf8");
        const node = peekEnvelope(jws).node;
        const poll = await verifyEnvelope(jws, [nodeKeys.get(node)!]);
        if (poll.type !== "poll") throw new Error("not a poll");
        for (const e of poll.envelopes) received.push(await verifyEnvelope(e, [nodeKeys.get(peekEnvelope(e).node)!]));
        const envelopes = queued.get(node) ?? [];
        queued.delete(node);
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ envelopes }));
        waiters.splice(0).forEach((w) => w());
      } catch (e) {
        res.writeHead(400).end((e as Error).message);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return {
    url,
    received,
    send(node: string, jws: string) {
      queued.set(node, [...(queued.get(node) ?? []), jws]);
    },
    /** Waits until a verified message satisfies `pred`. */
    async waitFor<T extends Message>(pred: (m: Message) => m is T, timeoutMs = 15_000): Promise<T> {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const hit = received.find(pred);
        if (hit) return hit as T;
        if (Date.now() > end) throw new Error("timed out waiting for a message at the CA");
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 200);
        });
      }
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
