/**
 * Test and bench plumbing for the proxy: real processes in their own process groups
 * (killed with the group), `openssl s_server` upstreams, and small TLS clients.
 * Not used by production code.
 */
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import tls from "node:tls";

export const ROOT = path.resolve(__dirname, "../..");

export interface Proc {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exit: Promise<number | null>;
  /** Signals the whole process group. */
  kill(signal?: NodeJS.Signals): void;
}

const all = new Set<Proc>();

export function spawnGroup(cmd: string, args: string[], o: { env?: NodeJS.ProcessEnv; stdin?: boolean } = {}): Proc {
  const child = spawn(cmd, args, { cwd: ROOT, env: o.env ?? process.env, stdio: [o.stdin ? "pipe" : "ignore", "pipe", "pipe"], detached: true });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (err += d));
  const p: Proc = {
    child,
    out: () => out,
    err: () => err,
    exit: new Promise((r) => child.on("exit", (code) => r(code))),
    kill(signal = "SIGKILL") {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        /* gone */
      }
    },
  };
  p.exit.then(() => all.delete(p));
  all.add(p);
  return p;
}

/** Kills every process group started here (afterAll). */
export function killAll(): void {
  for (const p of all) p.kill("SIGKILL");
}
process.on("exit", killAll);

export async function until(f: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `rootline proxy ...` as a real process; resolves once every route listens (ports parsed from stderr). */
export async function startProxyProcess(args: string[]): Promise<Proc & { ports: Record<string, number>; statusPort: number | null }> {
  const p = spawnGroup(process.execPath, [path.join(ROOT, "bin/rootline.mjs"), "proxy", ...args]);
  await until(() => /rootline proxy: running/.test(p.err()) || p.child.exitCode !== null, "the proxy to start", 60_000);
  if (p.child.exitCode !== null) throw new Error(`rootline proxy exited ${p.child.exitCode}: ${p.err()}`);
  const ports: Record<string, number> = {};
  for (const m of p.err().matchAll(/route (\S+) listening on \S+:(\d+) /g)) ports[m[1]] = Number(m[2]);
  const s = /status on http:\/\/\S+:(\d+) /.exec(p.err());
  return Object.assign(p, { ports, statusPort: s ? Number(s[1]) : null });
}

/**
 * `openssl s_server` in its default mode: it requires a client certificate (-Verify 1),
 * prints each client's certificate subject ("subject=...") and every byte of application
 * data it receives to stdout, and sends what is written to its stdin to the current client.
 * -ign_eof keeps it accepting connection after connection.
 */
export async function startSServer(o: { certFile: string; keyFile: string; caFile: string; port: number }): Promise<Proc> {
  const p = spawnGroup("openssl", ["s_server", "-accept", `127.0.0.1:${o.port}`, "-cert", o.certFile, "-key", o.keyFile, "-CAfile", o.caFile, "-Verify", "1", "-ign_eof"], { stdin: true });
  await until(() => p.out().includes("ACCEPT") || p.child.exitCode !== null, "s_server to listen");
  if (p.child.exitCode !== null) throw new Error(`s_server exited: ${p.err()}`);
  return p;
}

export interface ClientRun {
  /** Everything the client received before the connection closed. */
  received: string;
  /** The TLS handshake with the proxy (or the TCP connect) completed. */
  connected: boolean;
  error: string | null;
}

/**
 * Connects to the proxy (TLS when `tls` is given, else plain TCP), writes `send` as soon as
 * connected, then waits for `expect` in the reply (or the close, or `ms`).
 */
export function runClient(o: { port: number; send: string; tls?: { cert?: string; key?: string }; expect?: string; ms?: number; onData?: (all: string) => void }): Promise<ClientRun> {
  return new Promise((resolve) => {
    let received = "";
    let connected = false;
    let error: string | null = null;
    const socket = o.tls
      ? tls.connect({ host: "127.0.0.1", port: o.port, rejectUnauthorized: false, cert: o.tls.cert, key: o.tls.key }, () => {
          connected = true;
          socket.write(o.send);
        })
      : net.connect({ host: "127.0.0.1", port: o.port }, () => {
          connected = true;
          socket.write(o.send);
        });
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ received, connected, error });
    };
    const timer = setTimeout(done, o.ms ?? 10_000);
    socket.on("data", (d: Buffer) => {
      received += d.toString();
      o.onData?.(received);
      if (o.expect && received.includes(o.expect)) done();
    });
    socket.on("error", (e: Error) => (error = e.message));
    socket.on("close", done);
  });
}
