/**
 * Shared plumbing for the benchmarks: tables, medians, temp dirs, migrated data dirs,
 * child processes (always in their own process group, killed with the group), the app
 * started as the product server (`tsx server.ts`), and the autocannon load worker (a separate process).
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export const ROOT = path.resolve(__dirname, "..");
export const ADMIN = { kind: "cli", name: "bench", role: "administrator" } as const;

// ------------------------------------------------------------------ numbers and tables

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

export function fmt(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return String(n);
  return n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export const mib = (bytes: number) => fmt(bytes / 2 ** 20, 1);

export function heading(title: string): void {
  const line = "=".repeat(Math.max(20, title.length + 4));
  console.log(`\n${line}\n  ${title}\n${line}`);
}

/** A table with a title, right-aligned numeric-looking cells. */
export function table(title: string, header: string[], rows: (string | number)[][]): void {
  const cells = rows.map((r) => r.map((c) => (typeof c === "number" ? fmt(c) : c)));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? "").length)));
  const numeric = (s: string) => /^[-+~≈<>]?[\d,.]+( ?[a-zA-Z%×µ/]+)?$/.test(s);
  const line = (r: string[]) => r.map((c, i) => (i > 0 && numeric(c) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ");
  console.log(`\n-- ${title}`);
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of cells) console.log(line(r));
}

export function goal(label: string, value: string, target: string, met: boolean): string[] {
  return [label, value, target, met ? "MET" : "MISSED"];
}

// ------------------------------------------------------------------ cleanup registry

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();

function killGroup(c: ChildProcess, signal: NodeJS.Signals): void {
  if (c.pid === undefined) return;
  try {
    process.kill(-c.pid, signal);
  } catch {
    try {
      c.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

process.on("exit", () => {
  for (const c of children) killGroup(c, "SIGKILL");
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, () => {
    console.error(`\nbench: ${sig}, cleaning up`);
    process.exit(130);
  });
}

export function tempDir(label: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `rootline-bench-${label}-`));
  tempDirs.add(d);
  return d;
}

export function removeTempDir(d: string): void {
  fs.rmSync(d, { recursive: true, force: true });
  tempDirs.delete(d);
}

/** Spawns in its own process group (detached), tracked so it is killed on exit. */
export function spawnGroup(cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
  const c = spawn(cmd, args, { ...opts, detached: true });
  children.add(c);
  c.once("exit", () => children.delete(c));
  return c;
}

/** SIGTERM to the whole group, SIGKILL after `graceMs`; resolves when the leader exited. */
export async function stopGroup(c: ChildProcess, graceMs = 3000): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) {
    killGroup(c, "SIGKILL"); // grandchildren (tsx's server process) may outlive the leader
    children.delete(c);
    return;
  }
  const exited = new Promise<void>((r) => c.once("exit", () => r()));
  killGroup(c, "SIGTERM");
  const t = setTimeout(() => killGroup(c, "SIGKILL"), graceMs);
  await exited;
  clearTimeout(t);
  killGroup(c, "SIGKILL");
  children.delete(c);
}

/** Runs a child to completion (own group), collecting stdout; rejects on a non-zero exit. */
export function runChild(cmd: string, args: string[], opts: SpawnOptions & { timeoutMs?: number } = {}): Promise<{ stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = nowMs();
    const c = spawnGroup(cmd, args, { ...opts, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    c.stdout!.on("data", (d) => (stdout += d));
    c.stderr!.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => killGroup(c, "SIGKILL"), opts.timeoutMs ?? 300_000);
    c.once("exit", (code, signal) => {
      clearTimeout(timer);
      const ms = nowMs() - t0;
      if (code === 0) resolve({ stdout, stderr, ms });
      else reject(new Error(`${cmd} ${args.join(" ")} exited ${code ?? signal}\n${stderr.slice(-4000)}`));
    });
  });
}

/** `tsx <file> args…` as a child (each with its own heap and maxRSS). */
export function tsxChild(file: string, args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs?: number) {
  return runChild(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), file, ...args], { cwd: ROOT, env, timeoutMs });
}

// ------------------------------------------------------------------ environment

/** One master key for the bench and every child it starts (no key file per data dir). */
export function benchEnv(): void {
  process.env.ROOTLINE_MASTER_KEY ??= crypto.randomBytes(32).toString("base64");
  delete process.env.DATABASE_URL;
  process.env.NEXT_TELEMETRY_DISABLED = "1";
}

let template: string | undefined;

/** A fresh data dir holding a migrated, empty database (migrate deploy runs once per process). */
export function migratedDataDir(label: string): string {
  benchEnv();
  if (!template) {
    const t = tempDir("template");
    const r = spawnSync("npx", ["prisma", "migrate", "deploy"], { cwd: ROOT, env: { ...process.env, ROOTLINE_DATA_DIR: t }, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`prisma migrate deploy failed:\n${r.stdout}\n${r.stderr}`);
    template = t;
  }
  const d = tempDir(label);
  for (const f of fs.readdirSync(template)) if (f.startsWith("rootline.db")) fs.copyFileSync(path.join(template, f), path.join(d, f));
  return d;
}

/** Points this process's Prisma client at `dir` (closing the previous one). */
export async function switchDataDir(dir: string): Promise<void> {
  const { closeDb } = await import("../lib/db");
  await closeDb();
  benchEnv();
  process.env.ROOTLINE_DATA_DIR = dir;
}

export async function releaseDb(): Promise<void> {
  const { closeDb } = await import("../lib/db");
  await closeDb();
}

// ------------------------------------------------------------------ the app

export function ensureBuild(): void {
  const buildId = path.join(ROOT, ".next/BUILD_ID");
  if (!fs.existsSync(buildId)) {
    console.log("bench: .next/BUILD_ID is missing: running `npx next build` (once) …");
    const r = spawnSync("npx", ["next", "build"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: process.env, encoding: "utf8" });
    if (r.status === 0) return;
    if (/Another next build process is already running/.test(r.stdout + r.stderr)) {
      // Another worker is building this tree: wait for its BUILD_ID (bounded).
      console.log("bench: another `next build` is running in this tree; waiting for it (at most 5 min) …");
      for (let i = 0; i < 150 && !fs.existsSync(buildId); i++) spawnSync("sleep", ["2"]);
      if (fs.existsSync(buildId)) return;
    }
    throw new Error(`next build failed:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  }
  const built = fs.statSync(buildId).mtimeMs;
  const newer: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|tsx)$/.test(e.name) && !/\.test\.ts$/.test(e.name) && fs.statSync(p).mtimeMs > built) newer.push(path.relative(ROOT, p));
    }
  };
  for (const d of ["app", "lib", "components"]) if (fs.existsSync(path.join(ROOT, d))) walk(path.join(ROOT, d));
  if (newer.length) {
    console.log(`bench: WARNING: .next is older than ${newer.length} source file(s) (e.g. ${newer.slice(0, 3).join(", ")}): the HTTP numbers measure the old build. Run \`npx next build\` first.`);
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

let snapshot: string | undefined;

/**
 * What the product server (`tsx server.ts`) runs from, copied so the whole server is one
 * snapshot: server.ts and the lib/ code of its node:http fast path, the Prisma client it
 * imports, the config tsx and next() read, and the build Next serves. Everything else
 * (node_modules above all) is a symlink into the tree.
 */
const COPIED = ["server.ts", "lib", "generated", "tsconfig.json", "next.config.js", "package.json"];

/**
 * A private copy of the app: other workers run `next build` (npm test) in this tree and edit
 * lib/, and either under a running server breaks or skews it mid-benchmark. The copy is a temp
 * dir with COPIED and .next (without its cache) copied while BUILD_ID stays the same, and
 * symlinks to the rest.
 */
function appRoot(): string {
  if (snapshot) return snapshot;
  ensureBuild();
  const src = path.join(ROOT, ".next");
  for (const f of COPIED) if (!fs.existsSync(path.join(ROOT, f))) throw new Error(`bench: ${f} is missing: the product server needs it`);
  for (let attempt = 0; attempt < 5; attempt++) {
    const id = fs.existsSync(path.join(src, "BUILD_ID")) ? fs.readFileSync(path.join(src, "BUILD_ID"), "utf8") : null;
    if (id === null) {
      spawnSync("sleep", ["5"]); // someone else's build is running
      continue;
    }
    const d = tempDir("app");
    try {
      for (const e of fs.readdirSync(ROOT)) {
        if (e === ".next" || e === ".git") continue;
        if (COPIED.includes(e)) fs.cpSync(path.join(ROOT, e), path.join(d, e), { recursive: true });
        else fs.symlinkSync(path.join(ROOT, e), path.join(d, e));
      }
      fs.cpSync(src, path.join(d, ".next"), { recursive: true, filter: (f) => f !== path.join(src, "cache") });
      const after = fs.existsSync(path.join(src, "BUILD_ID")) ? fs.readFileSync(path.join(src, "BUILD_ID"), "utf8") : null;
      if (after === id) {
        console.log(`bench: serving a private copy of build ${id.trim()} (.next without its cache; ${COPIED.join(", ")} copied)`);
        return (snapshot = d);
      }
    } catch {
      /* files vanished under us: a build started; retry */
    }
    removeTempDir(d);
    spawnSync("sleep", ["5"]);
  }
  throw new Error("could not copy a consistent .next (someone keeps rebuilding it)");
}

export interface App {
  /** The private project copy the server runs from. */
  root: string;
  port: number;
  base: string;
  child: ChildProcess;
  stop(): Promise<void>;
  log(): string;
}

/**
 * The product server, as `npm start` runs it: `tsx server.ts` (Next.js behind lib/http/fastPath)
 * with PORT/HOST, on a free loopback port with its own data dir, from the private copy;
 * resolves once GET /api/health answers 200. tsx runs the server in a child node process
 * (same process group). BENCH_APP_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") adds
 * node flags, which tsx hands to that server process, for profiling (NODE_OPTIONS refuses
 * --cpu-prof).
 */
export async function startApp(dataDir: string, extraEnv: Record<string, string> = {}): Promise<App> {
  const root = appRoot();
  const nodeArgs = (extraEnv.BENCH_NODE_ARGS ?? process.env.BENCH_APP_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const port = await freePort();
  const env: Record<string, string | undefined> = { ...process.env, ...extraEnv, ROOTLINE_DATA_DIR: dataDir, NODE_ENV: "production", PORT: String(port), HOST: "127.0.0.1" };
  delete env.DATABASE_URL;
  const child = spawnGroup(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), ...nodeArgs, "server.ts"], {
    cwd: root,
    env: env as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out = (out + d).slice(-20_000)));
  child.stderr!.on("data", (d) => (out = (out + d).slice(-20_000)));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`tsx server.ts exited ${child.exitCode}:\n${out}`);
    try {
      const r = await fetch(`${base}/api/health`);
      await r.arrayBuffer();
      if (r.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stopGroup(child);
      throw new Error(`tsx server.ts did not answer /api/health within 60 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { root, port, base, child, stop: () => stopGroup(child), log: () => out };
}

// ------------------------------------------------------------------ load generation in a second process

export interface LoadResult {
  requestsPerSec: number; // mean over the run
  p50: number;
  p99: number;
  total: number;
  non2xx: number;
  errors: number;
  statusCodes: Record<string, number>;
  durationMs: number;
}

/** autocannon in its own process (bench/loadWorker.cjs), so the load never shares a process with a server. */
/** `body`: base64 of a request body (e.g. a POSTed OCSP request), with `method`. */
export async function loadFromChild(opts: { url: string; connections: number; duration: number; headers?: Record<string, string>; pipelining?: number; method?: string; body?: string }): Promise<LoadResult> {
  const r = await runChild(process.execPath, [path.join(ROOT, "bench/loadWorker.cjs"), JSON.stringify(opts)], { cwd: ROOT, timeoutMs: (opts.duration + 30) * 1000 });
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as LoadResult;
}

/**
 * Several targets under the same load, compared in one run: a warm-up each, then `rounds`
 * rounds in a rotated order so drift on a shared machine hits every target alike.
 */
export async function rotatedRounds<K extends string>(keys: readonly K[], load: (k: K, seconds: number) => Promise<LoadResult>, o: { rounds: number; seconds: number; warmupSeconds: number }): Promise<Record<K, LoadResult[]>> {
  for (const k of keys) await load(k, o.warmupSeconds);
  const results = Object.fromEntries(keys.map((k) => [k, [] as LoadResult[]])) as Record<K, LoadResult[]>;
  for (let r = 0; r < o.rounds; r++) {
    for (let i = 0; i < keys.length; i++) {
      const k = keys[(i + r) % keys.length];
      results[k].push(await load(k, o.seconds));
    }
  }
  return results;
}

/** One table row per target: median req/s, each round's, median p50/p99; `errors` counts a round's failures (throws on any). */
export function loadRows<K extends string>(results: Record<K, LoadResult[]>, errors: (k: K, r: LoadResult) => number = (_k, r) => r.errors + r.non2xx): (string | number)[][] {
  return (Object.entries(results) as [K, LoadResult[]][]).map(([k, rs]) => {
    const n = rs.reduce((a, r) => a + errors(k, r), 0);
    if (n) throw new Error(`${k}: ${n} errors or non-2xx`);
    return [k, fmt(median(rs.map((r) => r.requestsPerSec))), rs.map((r) => fmt(r.requestsPerSec)).join(", "), fmt(median(rs.map((r) => r.p50))), fmt(median(rs.map((r) => r.p99)))];
  });
}

// ------------------------------------------------------------------ CSRs

function derLen(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const der = (tag: number, ...parts: Buffer[]) => {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), derLen(body.length), body]);
};
const ECDSA_SHA256 = Buffer.from("300a06082a8648ce3d040302", "hex");

/**
 * `n` distinct ECDSA P-256 CSRs (PEM), CN=dev-<i>.fleet.example, O=Acme, encoded here with
 * node:crypto (independent of Rootline's own DER code); ~0.2 ms each.
 */
export function makeCsrs(n: number, prefix = "dev"): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const { publicKey, privateKey } = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
    const rdn = (oid: string, value: string) => der(0x31, der(0x30, Buffer.from(oid, "hex"), der(0x0c, Buffer.from(value, "utf8"))));
    const name = der(0x30, rdn("0603550403", `${prefix}-${i}.fleet.example`), rdn("060355040a", "Acme"));
    const info = der(0x30, Buffer.from([0x02, 0x01, 0x00]), name, publicKey.export({ type: "spki", format: "der" }), Buffer.from([0xa0, 0x00]));
    const sig = crypto.sign("sha256", info, { key: privateKey, dsaEncoding: "der" });
    const csr = der(0x30, info, ECDSA_SHA256, der(0x03, Buffer.from([0]), sig));
    out.push(`-----BEGIN CERTIFICATE REQUEST-----\n${csr.toString("base64").replace(/.{64}/g, "$&\n").replace(/\n$/, "")}\n-----END CERTIFICATE REQUEST-----\n`);
  }
  return out;
}
