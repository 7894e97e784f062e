/**
 * In-process simulated node agents for engine tests (no TLS, no processes: lib/agent and the
 * process tests cover those). Each node uses the key and store that `provisionTopology` wrote
 * into its directory, verifies requests with the roots it holds, applies them with the real
 * agent logic (lib/agent/apply.ts) and signs real results; direct nodes poll the CA handler.
 * Relaying is idealised: a request reaches its target, and its result the direct node, at once.
 */
import crypto, { type KeyObject } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { applyUpdate } from "../agent/apply";
import type { AgentConfig } from "../agent/config";
import type { NodeStore } from "../agent/store";
import { handleAgentPoll } from "../rotation-run/agentApi";
import { peekEnvelope, publicKeysOfCertificates, signEnvelope, verifyEnvelope, type PollReply, type TaskResult, type UpdateRequest } from "../rotation-run/protocol";

export interface SimNode {
  id: string;
  config: AgentConfig;
  key: KeyObject;
  publicKey: KeyObject;
  store: NodeStore;
}

export type Behaviour = (req: UpdateRequest) => { outcome: "failed"; error: string } | { outcome: "delayed" } | { outcome: "silent" } | undefined;

export class SimFleet {
  readonly nodes = new Map<string, SimNode>();
  /** Envelopes each direct node carries to the CA on its next poll. */
  readonly outbox = new Map<string, string[]>();
  readonly requests: UpdateRequest[] = [];
  readonly replies: PollReply[] = [];
  behaviour: Behaviour = () => undefined;
  now: () => Date = () => new Date();

  constructor(readonly out: string) {
    for (const id of fs.readdirSync(out)) {
      const dir = path.join(out, id);
      const config = JSON.parse(fs.readFileSync(path.join(dir, "agent.json"), "utf8")) as AgentConfig;
      const key = crypto.createPrivateKey(fs.readFileSync(path.join(dir, "key.pem")));
      const store = JSON.parse(fs.readFileSync(path.join(dir, "store.json"), "utf8")) as NodeStore;
      this.nodes.set(id, { id, config, key, publicKey: crypto.createPublicKey(key), store });
    }
  }

  get direct(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.config.direct);
  }

  async sign(node: SimNode, m: Omit<TaskResult, "v" | "type" | "topology" | "node" | "at">): Promise<string> {
    return signEnvelope({ v: 1, type: "result", topology: node.config.topology, node: node.id, at: this.now().getTime(), ...m }, node.key);
  }

  async pollBody(node: SimNode, envelopes: string[], at = this.now().getTime()): Promise<string> {
    return signEnvelope({ v: 1, type: "poll", topology: node.config.topology, node: node.id, at, envelopes }, node.key);
  }

  /** What a target does with a request: verify with its roots, apply, answer (or misbehave as told). */
  async deliver(jws: string): Promise<string | null> {
    const peeked = peekEnvelope(jws) as UpdateRequest;
    const node = this.nodes.get(peeked.node)!;
    const g = node.store.groups[peeked.group];
    let req: UpdateRequest;
    try {
      req = (await verifyEnvelope(jws, publicKeysOfCertificates(g.roots))) as UpdateRequest;
    } catch {
      return this.sign(node, { run: peeked.run, task: peeked.task, attempt: peeked.attempt, outcome: "failed", error: "the request's signature does not verify with any held root" });
    }
    this.requests.push(req);
    const b = this.behaviour(req);
    if (b?.outcome === "silent") return null;
    if (b?.outcome === "failed" || b?.outcome === "delayed") return this.sign(node, { run: req.run, task: req.task, attempt: req.attempt, outcome: b.outcome, ...(b.outcome === "failed" ? { error: b.error } : {}) });
    const roles = { isServer: node.config.links.some((l) => l.group === req.group && l.role === "server"), isClient: node.config.links.some((l) => l.group === req.group && l.role === "client") };
    const r = applyUpdate(node.store, req, roles, node.publicKey);
    if (!r.ok) return this.sign(node, { run: req.run, task: req.task, attempt: req.attempt, outcome: "failed", error: r.error });
    node.store = { ...node.store, groups: { ...node.store.groups, [req.group]: r.group } };
    return this.sign(node, { run: req.run, task: req.task, attempt: req.attempt, outcome: "succeeded" });
  }

  /** One round: every direct node polls with what it carries; every request received is delivered. */
  async round(): Promise<number> {
    let received = 0;
    for (const d of this.direct) {
      const carry = this.outbox.get(d.id) ?? [];
      this.outbox.set(d.id, []);
      const reply = await handleAgentPoll(await this.pollBody(d, carry), this.now());
      this.replies.push(reply);
      for (const jws of reply.envelopes) {
        received++;
        const result = await this.deliver(jws);
        if (result) this.outbox.get(d.id)!.push(result);
      }
    }
    return received;
  }

  /** Rounds until `done()` or nothing moves any more (a final poll flushes the last results). */
  async until(done: () => Promise<boolean>, maxRounds = 50): Promise<void> {
    for (let i = 0; i < maxRounds; i++) {
      if (await done()) return;
      const moved = await this.round();
      const pending = [...this.outbox.values()].some((o) => o.length > 0);
      if (!moved && !pending && (await done())) return;
    }
  }
}
