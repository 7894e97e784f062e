/**
 * One node agent (docs/ROTATION_RUNS.md): its TLS server and client links, the relay queues,
 * request handling, the CA poll of a direct node and status reports. No global state, so many
 * agents can run in one process (the benchmark).
 */
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createServer, type Server, type TLSSocket } from "node:tls";
import { peekEnvelope, PollReply, signEnvelope, type Message, type NodeStatus } from "../rotation-run/protocol";
import type { GroupRoles } from "./apply";
import { writeFileAtomic } from "../files/atomic";
import { parseAgentConfig, type AgentConfig, type AgentLink } from "./config";
import { CONFIG_FILE, KEY_FILE } from "./files";
import { HandshakeLog } from "./handshakes";
import { parseLinkLine, readLine, type ExchangeLine } from "./link";
import { Outbox, Waker } from "./outbox";
import { handleRequest, signedResult, type RequestContext } from "./requests";
import { sniName } from "./sni";
import { loadStore, refreshViews, saveStore, summarizeStore, type NodeStore } from "./store";
import { clientExchange, Contexts, TLS_VERSION } from "./tls";
import { commonName, currentlyValid, issuerAmong } from "./x509";

export const STATUS_FILE = "status.json";
export const STATUS_INTERVAL_MS = 5_000;
/** A target that cannot apply within this answers `delayed` and reports later (SPEC 4.5). */
export const ANSWER_WITHIN_MS = 2_000;
const EXCHANGE_TIMEOUT_MS = 10_000;
/** A CA answering a thousand nodes' polls on a busy machine may take a while; a lost reply costs more. */
const CA_TIMEOUT_MS = 30_000;
const CA_BATCH_MS = 20;

export interface AgentOptions {
  dir: string;
  /** Overrides agent.json's caUrl. */
  caUrl?: string;
  handshakeIntervalMs?: number;
  pollIntervalMs?: number;
  log?: (line: string) => void;
  /** Defaults to env ROOTLINE_AGENT_APPLY_DELAY_MS (test knob). */
  applyDelayMs?: number;
}

export class Agent {
  readonly config: AgentConfig;
  private store: NodeStore;
  private readonly contexts: Contexts;
  private readonly handshakes: HandshakeLog;
  private readonly outbox: Outbox;
  private readonly wakers = new Map<AgentLink, Waker>();
  private readonly caWaker = new Waker();
  private server: Server | null = null;
  private readonly sockets = new Set<TLSSocket>();
  private stopped = false;
  private readonly loops: Promise<void>[] = [];
  private applying: Promise<unknown> = Promise.resolve();
  private statusTimer: NodeJS.Timeout | null = null;
  private statusSoon: NodeJS.Timeout | null = null;
  private lastStatusJson = "";
  private readonly interval: number;
  private readonly pollInterval: number;
  private readonly handshakeInterval: number;
  /**
   * Open authenticated connections to this node's servers, reused for polls until the next
   * periodic handshake or until either end's store changes (which re-authenticates the link
   * with what both ends now hold). A full TLS handshake per poll costs more CPU than
   * everything else an agent does.
   */
  private readonly sessions = new Map<AgentLink, { socket: TLSSocket; openedAt: number; generation: number }>();
  /** Bumped on every store change: connections authenticated before it are not reused. */
  private generation = 0;
  private readonly caUrl: string;
  private readonly requestCtx: RequestContext;
  private readonly log: (line: string) => void;

  private constructor(
    readonly dir: string,
    config: AgentConfig,
    private readonly keyPem: string,
    private readonly privateKey: KeyObject,
    store: NodeStore,
    o: AgentOptions,
  ) {
    this.config = config;
    this.store = store;
    this.contexts = new Contexts(keyPem, store);
    this.handshakes = new HandshakeLog(dir);
    this.handshakes.onChange = () => this.statusChanged();
    this.outbox = new Outbox(config.direct ? null : config.route[config.route.length - 2]);
    this.pollInterval = o.pollIntervalMs ?? 1000;
    this.handshakeInterval = o.handshakeIntervalMs ?? 1000;
    this.interval = Math.min(this.handshakeInterval, this.pollInterval);
    this.caUrl = (o.caUrl ?? config.caUrl).replace(/\/+$/, "");
    this.log = o.log ?? (() => {});
    const publicKey = createPublicKey(privateKey);
    this.requestCtx = {
      node: config.node,
      topology: config.topology,
      privateKey,
      publicKey,
      store: () => this.store,
      roles: (g) => this.roles(g),
      commit: (next) => this.commit(next),
      applyDelayMs: o.applyDelayMs ?? Number(process.env.ROOTLINE_AGENT_APPLY_DELAY_MS ?? 0),
    };
  }

  static async load(o: AgentOptions): Promise<Agent> {
    const config = parseAgentConfig(await readFile(join(o.dir, CONFIG_FILE), "utf8"));
    const keyPem = await readFile(join(o.dir, KEY_FILE), "utf8");
    const store = await loadStore(o.dir);
    await refreshViews(o.dir, store);
    return new Agent(o.dir, config, keyPem, createPrivateKey(keyPem), store, o);
  }

  get port(): number | null {
    const a = this.server?.address();
    return a && typeof a === "object" ? a.port : null;
  }

  roles(group: string): GroupRoles {
    const links = this.config.links.filter((l) => l.group === group);
    return { isServer: links.some((l) => l.role === "server"), isClient: links.some((l) => l.role === "client") };
  }

  async start(): Promise<void> {
    if (this.config.listen) await this.listen(this.config.listen.host, this.config.listen.port);
    for (const link of this.config.links) {
      if (link.role !== "client") continue;
      const waker = new Waker();
      this.wakers.set(link, waker);
      this.loops.push(this.linkLoop(link, waker));
    }
    if (this.config.direct) this.loops.push(this.caLoop());
    this.statusTimer = setInterval(() => void this.publishStatus(), STATUS_INTERVAL_MS);
    await this.publishStatus();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const w of this.wakers.values()) w.wake();
    this.caWaker.wake();
    if (this.statusTimer) clearInterval(this.statusTimer);
    if (this.statusSoon) clearTimeout(this.statusSoon);
    const closed = this.server ? new Promise<void>((r) => this.server!.close(() => r())) : Promise.resolve();
    for (const s of this.sockets) s.destroy();
    for (const s of this.sessions.values()) s.socket.destroy();
    await Promise.all([closed, ...this.loops]);
    await this.applying.catch(() => {});
    await this.handshakes.close();
    await this.writeStatusFile(true);
  }

  // ------------------------------------------------------------ store

  private async commit(next: NodeStore): Promise<void> {
    await saveStore(this.dir, next);
    this.store = next;
    this.generation++;
    this.contexts.update(next);
    this.refreshServerContext();
    this.statusChanged();
  }

  // ------------------------------------------------------------ server side

  private serverGroups(): string[] {
    return [...new Set(this.config.links.filter((l) => l.role === "server").map((l) => l.group))];
  }

  private defaultContextOptions() {
    const g = this.serverGroups().find((x) => this.contexts.certificates(x).length > 0);
    return g ? { key: this.keyPem, cert: this.contexts.certificates(g)[0] } : { key: this.keyPem };
  }

  private refreshServerContext(): void {
    this.server?.setSecureContext({ ...this.defaultContextOptions(), minVersion: TLS_VERSION });
  }

  private listen(host: string, port: number): Promise<void> {
    const bySni = new Map(this.serverGroups().map((g) => [sniName(g), g]));
    const server = createServer({
      ...this.defaultContextOptions(),
      minVersion: TLS_VERSION,
      requestCert: true,
      // Authorization is decided per link after the handshake (mutual vs one-way, peer name).
      rejectUnauthorized: false,
      SNICallback: (name, cb) => {
        const g = bySni.get(name);
        cb(null, g ? this.contexts.get(g, 0) : undefined);
      },
    });
    server.on("secureConnection", (socket: TLSSocket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
      socket.on("error", () => {});
      const group = typeof socket.servername === "string" ? bySni.get(socket.servername) : undefined;
      void this.serve(socket, group).catch((e) => {
        this.log(`${this.config.node}: connection: ${(e as Error).message}`);
        socket.destroy();
      });
    });
    server.on("tlsClientError", () => {});
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  }

  private async serve(socket: TLSSocket, group: string | undefined): Promise<void> {
    const first = await readLine(socket, EXCHANGE_TIMEOUT_MS);
    if (first.startsWith("GET ")) return this.serveHttp(socket, first);
    const line = parseLinkLine(first);
    if (line.type !== "exchange") throw new Error("expected an exchange line");
    const peer = line.node;
    const reject = (reason: string, fallbackCandidate: boolean) => {
      if (fallbackCandidate && group) this.handshakes.serverRejected(peer, group, reason);
      else this.handshakes.record({ peer, role: "server", result: "failed", reason, ...(group ? { group } : {}) });
      socket.end(JSON.stringify({ type: "reject", node: this.config.node, reason }) + "\n");
    };
    if (!group) return reject("the client named no group this node serves (SNI)", false);
    const link = this.config.links.find((l) => l.role === "server" && l.group === group && l.peer === peer);
    if (!link) return reject(`${peer} is not a client of ${this.config.node} in group ${group}`, false);
    const presented = socket.getPeerX509Certificate();
    const cn = commonName(presented?.subject);
    if (presented && cn !== peer) return reject(`the client certificate names CN=${cn ?? "(none)"}, not ${peer}`, false);
    if (link.auth === "mutual") {
      if (!presented) return reject(`${peer} presented no certificate on a mutual link`, false);
      // TLS proved the client holds the certificate's key; the chain check is ours so that the
      // group's roots decide even when the SNI context switched after the handshake began.
      if (!issuerAmong(presented, this.contexts.roots(group))) return reject(`the client certificate of ${peer} does not verify with any root held in group ${group}`, true);
      if (!currentlyValid(presented)) return reject(`the client certificate of ${peer} is not valid now`, true);
    }
    this.handshakes.serverAccepted(peer, group);
    const generation = this.generation;
    let next: ExchangeLine = line;
    for (;;) {
      const mine = this.receive(next.envelopes);
      // The parent of a target that is this server is the client: answer its requests in this exchange.
      if (mine.length > 0) await Promise.race([Promise.all(mine), new Promise((r) => setTimeout(r, ANSWER_WITHIN_MS + 100))]);
      const envelopes = this.outbox.take(peer);
      if (socket.destroyed) return this.outbox.restore(peer, envelopes, (j) => this.classify(j));
      socket.write(JSON.stringify({ type: "exchange", node: this.config.node, envelopes } satisfies ExchangeLine) + "\n");
      // Kept open for the client's next polls, until its next handshake or a store change here
      // (closing without an answer sends the client to a fresh handshake).
      let text: string;
      try {
        text = await readLine(socket, this.handshakeInterval + EXCHANGE_TIMEOUT_MS);
      } catch {
        return void socket.destroy();
      }
      const again = parseLinkLine(text);
      if (this.stopped || this.generation !== generation || again.type !== "exchange" || again.node !== peer) return void socket.destroy();
      next = again;
    }
  }

  private serveHttp(socket: TLSSocket, requestLine: string): void {
    const ok = /^GET \/status(\?\S*)? HTTP\/1\.[01]$/.test(requestLine.trim());
    const body = ok ? JSON.stringify(this.status()) + "\n" : "not found\n";
    const head = `HTTP/1.1 ${ok ? "200 OK" : "404 Not Found"}\r\nContent-Type: ${ok ? "application/json" : "text/plain"}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`;
    socket.end(head + body);
  }

  // ------------------------------------------------------------ client side

  private async linkLoop(link: AgentLink, waker: Waker): Promise<void> {
    while (!this.stopped) {
      try {
        await this.connect(link);
      } catch (e) {
        this.log(`${this.config.node} → ${link.peer}: ${(e as Error).message}`);
      }
      if (this.stopped) break;
      await waker.sleep(this.interval);
    }
  }

  /** An exchange on the kept-open connection; false when there is none to use (or it broke). */
  private async reuse(link: AgentLink): Promise<boolean> {
    const s = this.sessions.get(link);
    if (!s) return false;
    if (s.socket.destroyed || s.generation !== this.generation || Date.now() - s.openedAt >= this.handshakeInterval) {
      s.socket.destroy();
      this.sessions.delete(link);
      return false;
    }
    const taken = this.outbox.take(link.peer);
    try {
      s.socket.write(JSON.stringify({ type: "exchange", node: this.config.node, envelopes: taken } satisfies ExchangeLine) + "\n");
      const reply = parseLinkLine(await readLine(s.socket, EXCHANGE_TIMEOUT_MS));
      if (reply.type !== "exchange" || reply.node !== link.peer) throw new Error("unexpected line");
      this.receive(reply.envelopes);
      return true;
    } catch {
      // The server closed it (its store changed, or it restarted): hand over on a fresh handshake.
      this.outbox.restore(link.peer, taken, (j) => this.classify(j));
      s.socket.destroy();
      this.sessions.delete(link);
      return false;
    }
  }

  private async connect(link: AgentLink): Promise<void> {
    if (await this.reuse(link)) return;
    const { peer, group } = link;
    const fail = (reason: string) => this.handshakes.record({ peer, role: "client", result: "failed", reason, group });
    if (this.contexts.roots(group).length === 0) return fail(`holds no root certificate in group ${group}`);
    const certs = this.contexts.certificates(group);
    // New certificate first, then the old one (SPEC 4.1); with two, the first once more: the
    // server's roots may have changed between the attempts (it replaced them meanwhile).
    const indices: (number | null)[] = link.auth === "one-way" ? [null] : certs.length >= 2 ? [0, 1, 0] : certs.map((_, i) => i);
    if (indices.length === 0) return fail(`holds no certificate in group ${group} for a mutual link`);
    let firstRejection: string | null = null;
    for (const index of indices) {
      let taken: string[] = [];
      const out = await clientExchange({
        host: link.address!.host,
        port: link.address!.port,
        group,
        peer,
        context: this.contexts.get(group, index)!,
        roots: this.contexts.roots(group),
        line: () => {
          taken = this.outbox.take(peer);
          return { type: "exchange", node: this.config.node, envelopes: taken };
        },
        timeoutMs: EXCHANGE_TIMEOUT_MS,
      });
      if (out.kind === "ok") {
        if (this.stopped) out.socket.destroy();
        else {
          out.socket.on("error", () => {});
          this.sessions.set(link, { socket: out.socket, openedAt: Date.now(), generation: this.generation });
        }
        this.handshakes.record({ peer, role: "client", result: firstRejection === null ? "ok" : "fallback", ...(firstRejection ? { reason: firstRejection } : {}), group });
        this.receive(out.reply.envelopes);
        return;
      }
      this.outbox.restore(peer, taken, (j) => this.classify(j));
      if (out.kind === "failed") return fail(firstRejection ? `${firstRejection}; then: ${out.reason}` : out.reason);
      // Rejected: a client holding a second (old) certificate reconnects with it at once (SPEC 4.1).
      firstRejection = `the server rejected certificate ${index === null ? "(none)" : index + 1}: ${out.reason}`;
    }
    fail(firstRejection ?? "rejected");
  }

  // ------------------------------------------------------------ routing

  private classify(jws: string): { kind: "down" } | { kind: "up" } | { kind: "status"; node: string; at: number } {
    const m = peekEnvelope(jws);
    if (m.type === "update") return { kind: "down" };
    if (m.type === "status") return { kind: "status", node: m.node, at: m.at };
    return { kind: "up" };
  }

  /** Routes received envelopes; returns the handling of requests addressed to this node. */
  private receive(envelopes: string[]): Promise<void>[] {
    const mine: Promise<void>[] = [];
    let up = false;
    for (const jws of envelopes) {
      let m: Message;
      try {
        m = peekEnvelope(jws);
      } catch (e) {
        this.log(`${this.config.node}: dropped an envelope: ${(e as Error).message}`);
        continue;
      }
      if (m.type === "update") {
        if (m.node === this.config.node) {
          mine.push(this.handleMine(jws, m));
          continue;
        }
        const i = m.route.indexOf(this.config.node);
        const next = i >= 0 ? m.route[i + 1] : undefined;
        if (next === undefined || !this.config.links.some((l) => l.peer === next)) {
          this.log(`${this.config.node}: no next hop for ${m.task} (route ${m.route.join(" → ")})`);
          continue;
        }
        this.outbox.addDown(next, jws);
        this.wakePeer(next);
      } else if (m.type === "status") {
        this.outbox.addStatus(m.node, m.at, jws);
      } else if (m.type === "result") {
        this.outbox.addUp(jws);
        up = true;
      }
    }
    if (up) this.wakeUp();
    return mine;
  }

  private handleMine(jws: string, req: Extract<Message, { type: "update" }>): Promise<void> {
    const run = this.applying.then(() => handleRequest(this.requestCtx, jws, req));
    this.applying = run.catch(() => {});
    let answered = false;
    const delayed = setTimeout(() => {
      if (answered) return;
      void signedResult(this.requestCtx, req, "delayed").then((j) => {
        if (answered) return;
        this.outbox.addUp(j);
        this.wakeUp();
      });
    }, ANSWER_WITHIN_MS);
    return run.then(
      (result) => {
        answered = true;
        clearTimeout(delayed);
        this.outbox.addUp(result);
        this.wakeUp();
      },
      (e) => {
        answered = true;
        clearTimeout(delayed);
        this.log(`${this.config.node}: ${req.task}: ${(e as Error).message}`);
      },
    );
  }

  private wakePeer(peer: string): void {
    for (const [link, w] of this.wakers) if (link.peer === peer) w.wake();
  }

  private upBatch: NodeJS.Timeout | null = null;

  private wakeUp(): void {
    if (!this.config.direct) return this.wakePeer(this.config.route[this.config.route.length - 2]);
    if (this.upBatch) return;
    this.upBatch = setTimeout(() => {
      this.upBatch = null;
      this.caWaker.wake();
    }, CA_BATCH_MS);
  }

  // ------------------------------------------------------------ the CA (direct nodes)

  private async caLoop(): Promise<void> {
    while (!this.stopped) {
      await this.pollCa().catch((e) => this.log(`${this.config.node} → CA: ${(e as Error).message}`));
      if (this.stopped) break;
      await this.caWaker.sleep(this.pollInterval);
    }
    if (this.upBatch) clearTimeout(this.upBatch);
  }

  private async pollCa(): Promise<void> {
    const taken = this.outbox.take(null);
    try {
      const body = await signEnvelope({ v: 1, type: "poll", topology: this.config.topology, node: this.config.node, at: Date.now(), envelopes: taken }, this.privateKey);
      const res = await fetch(`${this.caUrl}/api/rotation/agent`, { method: "POST", headers: { "content-type": "application/jose" }, body, signal: AbortSignal.timeout(CA_TIMEOUT_MS) });
      if (!res.ok) throw new Error(`the CA answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
      const reply = PollReply.parse(await res.json());
      this.receive(reply.envelopes);
    } catch (e) {
      this.outbox.restore(null, taken, (j) => this.classify(j));
      throw e;
    }
  }

  // ------------------------------------------------------------ status

  status(): NodeStatus {
    return {
      v: 1,
      type: "status",
      topology: this.config.topology,
      node: this.config.node,
      at: Date.now(),
      stores: summarizeStore(this.store),
      peers: this.handshakes.lastPerPeer(),
      pending: this.outbox.pending(),
    };
  }

  private statusChanged(): void {
    if (this.statusSoon || this.stopped) return;
    this.statusSoon = setTimeout(() => {
      this.statusSoon = null;
      void this.publishStatus();
    }, 200);
  }

  /** Writes status.json when it changed and queues a signed status report upward. */
  private async publishStatus(): Promise<void> {
    const s = this.status();
    this.outbox.addStatus(s.node, s.at, await signEnvelope(s, this.privateKey));
    await this.writeStatusFile(false, s);
  }

  private async writeStatusFile(force: boolean, s = this.status()): Promise<void> {
    const { at: _at, ...rest } = s;
    const json = JSON.stringify(rest);
    if (!force && json === this.lastStatusJson) return;
    this.lastStatusJson = json;
    await writeFileAtomic(join(this.dir, STATUS_FILE), JSON.stringify(s, null, 1) + "\n", 0o644, { durable: false }).catch((e) => this.log(`${this.config.node}: status.json: ${(e as Error).message}`));
  }
}
