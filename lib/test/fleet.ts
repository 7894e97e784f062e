/**
 * A fleet of real processes for rotation-run tests and the benchmark (docs/ROTATION_RUNS.md):
 * the CLI as child processes on the caller's database, the CA (lib/test/fastPathServer.ts,
 * which serves POST /api/rotation/agent and ticks the engine) in its own process group, and
 * one `rootline agent` process per node. Agents reach the CA through a loopback HTTP proxy on
 * a port that never changes, so the CA can be killed and restarted on the same address, and
 * a test can read or alter what crosses it (tampering in transit). Every child is killed with
 * its group in `close()`, and on exit.
 * Child processes only (no Prisma in here): the benchmark uses it from a process of its own.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";

export const ROOT = path.resolve(__dirname, "../..");
const TSX = path.join(ROOT, "node_modules/tsx/dist/cli.mjs");
const BIN = path.join(ROOT, "bin/rootline.mjs");

export interface DocNode {
  id: string;
  direct: boolean;
  acceptsConnections: boolean;
}
export interface DocLink {
  client: string;
  server: string;
  group: string;
  auth: "mutual" | "one-way";
}
export interface FleetDoc {
  nodes: DocNode[];
  links: DocLink[];
}
export interface Handshake {
  at: string;
  peer: string;
  role: "client" | "server";
  result: "ok" | "fallback" | "failed";
  reason?: string;
  group?: string;
}
export interface CliResult {
  code: number;
  out: string;
  err: string;
  cpuMs?: number;
}
export interface TaskRow {
  taskId: string;
  node: string | null;
  kind: string;
  state: string;
  attempts: number;
  consecutiveFailures: number;
  lastError: string | null;
  route: string;
  sentAt: number | null;
  pickedUpAt: number | null;
  deliveredAt: number | null;
  completedAt: number | null;
}

const live = new Set<ChildProcess>();
function killGroup(c: ChildProcess, signal: NodeJS.Signals = "SIGKILL"): void {
  if (c.pid === undefined) return;
  try {
    process.kill(-c.pid, signal);
  } catch {
    /* already gone */
  }
}
process.on("exit", () => {
  for (const c of live) killGroup(c);
});

function spawnGroup(cmd: string, args: string[], env: NodeJS.ProcessEnv, stdio: ("ignore" | "pipe" | number)[]): ChildProcess {
  const c = spawn(cmd, args, { cwd: ROOT, env, stdio, detached: true });
  live.add(c);
  c.once("exit", () => live.delete(c));
  return c;
}

const exited = (c: ChildProcess) => c.exitCode !== null || c.signalCode !== null;
async function stop(c: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (exited(c)) return killGroup(c); // tsx's grandchild may outlive the leader
  const done = new Promise<void>((r) => c.once("exit", () => r()));
  killGroup(c, signal);
  const t = setTimeout(() => killGroup(c), 3000);
  await done;
  clearTimeout(t);
  killGroup(c);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a value other than undefined/false; throws with `what` on timeout. */
export async function until<T>(what: string | (() => string), check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === "string" ? what : what()}`);
    await sleep(everyMs);
  }
}

/** `count` consecutive free loopback ports (provision gives listening nodes P, P+1, …). */
export async function freePortRange(count: number): Promise<number> {
  const tryPort = (p: number) =>
    new Promise<boolean>((resolve) => {
      const s = net.createServer();
      s.once("error", () => resolve(false));
      s.listen(p, "127.0.0.1", () => s.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    let ok = true;
    for (let i = 0; i < count && ok; i++) ok = await tryPort(base + i);
    if (ok) return base;
  }
  throw new Error(`no ${count} consecutive free ports`);
}

const ms = (v: unknown): number | null => (v === null || v === undefined ? null : typeof v === "number" ? v : Date.parse(String(v).includes("T") || String(v).endsWith("Z") ? String(v) : `${String(v).replace(" ", "T")}Z`));

/** Rewrites a poll's HTTP exchange: `reply` is the CA's JSON answer; return the bytes to hand on. */
export type PollHook = (request: Buffer, reply: Buffer) => Buffer | Promise<Buffer>;

export interface FleetOptions {
  /** Environment of every child: ROOTLINE_DATA_DIR / DATABASE_URL / ROOTLINE_MASTER_KEY. Default process.env. */
  env?: NodeJS.ProcessEnv;
  handshakeIntervalMs?: number;
  pollIntervalMs?: number;
  label?: string;
}

export class Fleet {
  readonly env: NodeJS.ProcessEnv;
  readonly dir: string;
  readonly out: string;
  readonly handshakeIntervalMs: number;
  readonly pollIntervalMs: number;
  doc: FleetDoc = { nodes: [], links: [] };
  topology = "";
  caChild?: ChildProcess;
  caPort = 0;
  proxyPort = 0;
  onPoll?: PollHook;
  private proxy?: http.Server;
  private agents = new Map<string, ChildProcess>();
  private caLog = "";
  private sqlite?: Database.Database;

  constructor(opts: FleetOptions = {}) {
    this.env = { ...(opts.env ?? process.env) };
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `rootline-fleet-${opts.label ?? "x"}-`));
    this.out = path.join(this.dir, "nodes");
    this.handshakeIntervalMs = opts.handshakeIntervalMs ?? 250;
    this.pollIntervalMs = opts.pollIntervalMs ?? 250;
  }

  get caUrl(): string {
    return `http://127.0.0.1:${this.proxyPort}`;
  }

  dbFile(): string {
    const url = this.env.DATABASE_URL;
    return url ? url.replace(/^file:/, "") : path.join(this.env.ROOTLINE_DATA_DIR ?? "", "rootline.db");
  }

  /** `rootline …` as a child process (async: the proxy in this process keeps serving meanwhile). */
  cli(args: string[], extraEnv: Record<string, string> = {}, timeoutMs = 120_000): Promise<CliResult> {
    return new Promise((resolve, reject) => {
      // bash's `times` reports the children's CPU: the CA-side cost of a command (benchmark).
      const c = spawnGroup("bash", ["-c", '"$0" "$@"; rc=$?; times >&2; exit $rc', process.execPath, BIN, ...args], { ...this.env, ...extraEnv }, ["ignore", "pipe", "pipe"]);
      let out = "";
      let err = "";
      c.stdout!.on("data", (d) => (out += d));
      c.stderr!.on("data", (d) => (err += d));
      const t = setTimeout(() => killGroup(c), timeoutMs);
      c.once("error", reject);
      c.once("exit", (code) => {
        clearTimeout(t);
        const m = /\n(\d+)m([\d.]+)s (\d+)m([\d.]+)s\n?$/.exec(err);
        const cpuMs = m ? (Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4])) * 1000 : undefined;
        err = err.replace(/(\d+m[\d.]+s \d+m[\d.]+s\n?){2}$/, "");
        resolve({ code: code ?? -1, out, err, cpuMs });
      });
    });
  }

  async cliOk(args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
    const r = await this.cli(args, extraEnv);
    if (r.code !== 0) throw new Error(`rootline ${args.join(" ")} exited ${r.code}\n${r.err}\n${r.out}`);
    return r;
  }

  /** Issuer, topology import, bind, provision on free loopback ports. */
  async setup(opts: { name: string; doc: FleetDoc; issuer: string; subject?: string }): Promise<void> {
    this.doc = opts.doc;
    this.topology = opts.name;
    const file = path.join(this.dir, `${opts.name}.json`);
    fs.writeFileSync(file, JSON.stringify(opts.doc));
    await this.cliOk(["issuer", "create", "--name", opts.issuer, "--key", "ec-p256", "--subject", opts.subject ?? `CN=${opts.issuer} Root`]);
    await this.cliOk(["topology", "import", "--name", opts.name, "--file", file]);
    await this.cliOk(["topology", "bind", "--topology", opts.name, "--group", "default", "--issuer", opts.issuer]);
    const listening = opts.doc.nodes.filter((n) => n.acceptsConnections).length;
    const base = await freePortRange(Math.max(1, listening));
    await this.cliOk(["topology", "provision", "--topology", opts.name, "--out", this.out, "--host", "127.0.0.1", "--base-port", String(base)]);
  }

  // ------------------------------------------------------------------ the CA and its proxy

  private async startProxy(): Promise<void> {
    this.proxy = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks);
        if (!this.caPort) return void req.socket.destroy(); // the CA is down: as a refused connection
        const headers = { ...req.headers };
        delete headers["content-length"];
        const up = http.request({ host: "127.0.0.1", port: this.caPort, method: req.method, path: req.url, headers: { ...headers, "content-length": String(body.length) } }, (ur) => {
          const parts: Buffer[] = [];
          ur.on("data", (c: Buffer) => parts.push(c));
          ur.on("end", () => {
            void (async () => {
              let reply: Buffer = Buffer.concat(parts);
              if (this.onPoll && req.method === "POST" && req.url?.startsWith("/api/rotation/agent") && ur.statusCode === 200) reply = await this.onPoll(body, reply);
              const h = { ...ur.headers };
              delete h["content-length"];
              delete h["transfer-encoding"];
              res.writeHead(ur.statusCode ?? 502, { ...h, "content-length": String(reply.length) });
              res.end(reply);
            })().catch(() => res.destroy());
          });
          ur.on("error", () => res.destroy());
        });
        up.on("error", () => req.socket.destroy());
        up.end(body);
      });
    });
    this.proxy.keepAliveTimeout = 1000;
    await new Promise<void>((r) => this.proxy!.listen(0, "127.0.0.1", r));
    this.proxyPort = (this.proxy.address() as net.AddressInfo).port;
  }

  /** Starts the CA process (fastPathServer) on the fleet's database; the proxy forwards to it. */
  async startCa(extraEnv: Record<string, string> = {}, nodeArgs: string[] = []): Promise<void> {
    if (!this.proxy) await this.startProxy();
    // tsx hands node flags placed before the script (e.g. --cpu-prof) to the server process.
    const child = spawnGroup(process.execPath, [TSX, ...nodeArgs, "lib/test/fastPathServer.ts"], { ...this.env, ...extraEnv }, ["ignore", "pipe", "pipe"]);
    this.caChild = child;
    this.caLog = "";
    child.stderr!.on("data", (d) => (this.caLog = (this.caLog + d).slice(-20_000)));
    this.caPort = await new Promise<number>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (d) => {
        out += d;
        const m = /listening (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.once("exit", (code) => reject(new Error(`CA exited ${code}:\n${this.caLog}`)));
    });
  }

  /** Kills the CA (SIGKILL: an app crash); agents' polls fail until `startCa` again. */
  async stopCa(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    // SIGTERM lets the server exit normally (fastPathServer closes on it), writing a --cpu-prof profile.
    this.caPort = 0;
    if (this.caChild) await stop(this.caChild, signal);
    this.caChild = undefined;
  }

  caStderr(): string {
    return this.caLog;
  }

  // ------------------------------------------------------------------ agents

  nodeDir(node: string): string {
    return path.join(this.out, node);
  }

  startAgent(node: string): void {
    if (this.agents.has(node) && !exited(this.agents.get(node)!)) throw new Error(`agent ${node} is running`);
    const log = fs.openSync(path.join(this.dir, `agent-${node}.log`), "a");
    const args = [BIN, "agent", "--dir", this.nodeDir(node), "--ca-url", this.caUrl, "--handshake-interval-ms", String(this.handshakeIntervalMs), "--poll-interval-ms", String(this.pollIntervalMs)];
    this.agents.set(node, spawnGroup(process.execPath, args, this.env, ["ignore", log, log]));
    fs.closeSync(log);
  }

  startAgents(): void {
    for (const n of this.doc.nodes) this.startAgent(n.id);
  }

  async killAgent(node: string, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const c = this.agents.get(node);
    if (c) await stop(c, signal);
    this.agents.delete(node);
  }

  agentLog(node: string): string {
    const f = path.join(this.dir, `agent-${node}.log`);
    return fs.existsSync(f) ? fs.readFileSync(f, "utf8") : "";
  }

  /** Agents that exited on their own (a crash is a defect: the test names it). */
  deadAgents(): string[] {
    return [...this.agents].filter(([, c]) => exited(c)).map(([n]) => n);
  }

  /** The node's handshake log; with `tailBytes`, only its last lines (cheap on big fleets). */
  handshakes(node: string, tailBytes?: number): Handshake[] {
    const f = path.join(this.nodeDir(node), "handshakes.jsonl");
    if (!fs.existsSync(f)) return [];
    let text: string;
    if (tailBytes === undefined) text = fs.readFileSync(f, "utf8");
    else {
      const fd = fs.openSync(f, "r");
      const size = fs.fstatSync(fd).size;
      const buf = Buffer.alloc(Math.min(size, tailBytes));
      fs.readSync(fd, buf, 0, buf.length, size - buf.length);
      fs.closeSync(fd);
      text = buf.toString("utf8");
      if (buf.length < size) text = text.slice(text.indexOf("\n") + 1);
    }
    return text
      .split("\n")
      .filter((l) => l.trim())
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as Handshake];
        } catch {
          return []; // a line being appended right now
        }
      });
  }

  /** Waits until every link (of `links`, default all) authenticated at both ends at or after `since`. */
  async waitLinksOk(since: number, timeoutMs = 30_000, links = this.doc.links, everyMs = 200): Promise<void> {
    let missing: string[] = [];
    await until(
      () => `handshakes since ${new Date(since).toISOString()} on ${missing.join(", ")}\n${this.deadAgents().map((n) => `agent ${n} exited:\n${this.agentLog(n).slice(-2000)}`).join("\n")}`,
      () => {
        const logs = new Map(this.doc.nodes.map((n) => [n.id, this.handshakes(n.id, 256 * 1024)]));
        const good = (node: string, peer: string, role: string) => logs.get(node)!.some((h) => h.peer === peer && h.role === role && h.result !== "failed" && Date.parse(h.at) >= since);
        missing = links.filter((l) => !good(l.client, l.server, "client") || !good(l.server, l.client, "server")).map((l) => `${l.client}→${l.server}`);
        return missing.length === 0;
      },
      timeoutMs,
      everyMs,
    );
  }

  /**
   * Handshake entries from `from` to `to` that break the run's promise: any `failed`, and a
   * `fallback` except where SPEC 4.1 allows it (a client that holds two certificates, i.e. one
   * that is a server on no link, and its server's record of the rejected first attempt).
   */
  handshakeViolations(from: number, to: number, opts: { skipNodes?: string[] } = {}): string[] {
    const servers = new Set(this.doc.links.map((l) => l.server));
    const skip = new Set(opts.skipNodes ?? []);
    const out: string[] = [];
    for (const n of this.doc.nodes) {
      if (skip.has(n.id)) continue;
      for (const h of this.handshakes(n.id)) {
        const at = Date.parse(h.at);
        if (at < from || at > to || skip.has(h.peer)) continue;
        const twoCerts = h.role === "client" ? !servers.has(n.id) : !servers.has(h.peer);
        if (h.result === "failed" || (h.result === "fallback" && !twoCerts)) out.push(`${n.id} ${JSON.stringify(h)}`);
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ runs

  async startRun(args: string[], extraEnv: Record<string, string> = {}): Promise<{ id: string; cpuMs?: number }> {
    const r = await this.cliOk(["rotation", "start", "--topology", this.topology, ...args, "--json"], extraEnv);
    return { id: (JSON.parse(r.out) as { id: string }).id, cpuMs: r.cpuMs };
  }

  async status(id: string): Promise<{ id: string; state: string; tasks: { id: string; node: string | null; kind: string; state: string; attempts: number; lastError: string | null }[] }> {
    return JSON.parse((await this.cliOk(["rotation", "status", id, "--json"])).out);
  }

  /** A read-only look at the database (cheaper than a CLI process per poll). */
  private sql(): Database.Database {
    this.sqlite ??= new Database(this.dbFile(), { readonly: true, fileMustExist: true });
    return this.sqlite;
  }

  runRow(id: string): { state: string; failure: string | null; createdAt: number; finishedAt: number | null; failedAt: number | null; newRootDer: Buffer; distributionDer: Buffer; newSubject: string } {
    const r = this.sql().prepare("SELECT * FROM RotationRun WHERE id = ?").get(id) as Record<string, unknown>;
    if (!r) throw new Error(`no run ${id}`);
    return { ...(r as object), createdAt: ms(r.createdAt)!, finishedAt: ms(r.finishedAt), failedAt: ms(r.failedAt) } as ReturnType<Fleet["runRow"]>;
  }

  tasks(id: string): TaskRow[] {
    const rows = this.sql().prepare("SELECT * FROM RotationTask WHERE runId = ? ORDER BY seq").all(id) as Record<string, unknown>[];
    return rows.map((r) => ({ ...(r as object), sentAt: ms(r.sentAt), pickedUpAt: ms(r.pickedUpAt), deliveredAt: ms(r.deliveredAt), completedAt: ms(r.completedAt) }) as TaskRow);
  }

  /** Waits for the run to reach one of `states` (read from the database every 200 ms). */
  async waitRun(id: string, states: string[], timeoutMs: number): Promise<string> {
    return until(
      () => `run ${id} to be ${states.join("|")}; it is ${this.runRow(id).state}; tasks: ${this.tasks(id).map((t) => `${t.taskId}=${t.state}/${t.attempts}${t.lastError ? `(${t.lastError})` : ""}`).join(" ")}\nCA stderr:\n${this.caLog.slice(-3000)}`,
      () => {
        const s = this.runRow(id).state;
        return states.includes(s) ? s : undefined;
      },
      timeoutMs,
      200,
    );
  }

  async close(): Promise<void> {
    this.sqlite?.close();
    this.sqlite = undefined;
    await Promise.all([...this.agents.values()].map((c) => stop(c, "SIGKILL")));
    this.agents.clear();
    await this.stopCa();
    if (this.proxy) {
      this.proxy.closeAllConnections();
      await new Promise((r) => this.proxy!.close(r));
    }
    if (!process.env.ROOTLINE_KEEP_FLEET) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** PEM blocks of a file, in order. */
export function pemBlocks(file: string): string[] {
  return fs.existsSync(file) ? (fs.readFileSync(file, "utf8").match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []) : [];
}

/** Delivery of each hop of a route: push when the sender is the client of a mutual link to the receiver. */
export function hopDeliveries(doc: FleetDoc, route: string[]): ("push" | "poll")[] {
  return route.slice(1).map((to, i) => (doc.links.some((l) => l.client === route[i] && l.server === to && l.auth === "mutual") ? "push" : "poll"));
}
