/**
 * Rotation runs on real processes (issue 9, "Benchmark"): generateFleet(N) provisioned through
 * the CLI, the CA as lib/test/fastPathServer.ts (its own process), the agents spread over a few
 * worker processes (bench/rotationRunAgents.ts, startAgent per node: real keys, real TLS on
 * loopback), a 1 s poll interval. Measured from `rotation start` to the run's `succeeded`:
 * - wall time;
 * - CA-side CPU per node: the CA process group (/proc utime+stime) over the run, plus the
 *   `rotation start` process (root material, re-signing every node's key);
 * - handshakes per second (client-side lines of every handshakes.jsonl within the run);
 * - the share of task time spent waiting for the first hop's poll of the CA
 *   (Σ pickedUpAt − sentAt over Σ completedAt − sentAt).
 * Run at 250 and 1,000 nodes: the CA's cost should grow linearly (ratio ≈ 4).
 * BENCH_RR_SIZES="1000" and BENCH_RR_HANDSHAKE_MS / BENCH_RR_WORKERS change the defaults;
 * BENCH_RR_CA_NODE_ARGS adds node flags to the CA process (profiling).
 */
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Fleet, ROOT, sleep } from "../lib/test/fleet";
import { generateFleet } from "../lib/topologies/samples";
import { fmt, heading, migratedDataDir, removeTempDir, spawnGroup, stopGroup, table } from "./lib";

const POLL_MS = 1000;
const HANDSHAKE_MS = Number(process.env.BENCH_RR_HANDSHAKE_MS ?? 5000);
const WORKERS = Number(process.env.BENCH_RR_WORKERS ?? Math.max(2, Math.min(4, os.cpus().length)));
const SIZES = (process.env.BENCH_RR_SIZES ?? "250,1000").split(",").map(Number);
const TICK = 100; // USER_HZ on Linux

/** utime + stime (ms) of every process in process group `pgid` (tsx runs the server in a child). */
function groupCpuMs(pgid: number): number {
  let ticks = 0;
  for (const p of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(f[2]) === pgid) ticks += Number(f[11]) + Number(f[12]);
    } catch {
      /* exited meanwhile */
    }
  }
  return (ticks * 1000) / TICK;
}

function startWorkers(fleet: Fleet, nodes: string[]): Promise<ChildProcess[]> {
  const shares: string[][] = Array.from({ length: WORKERS }, () => []);
  nodes.forEach((n, i) => shares[i % WORKERS].push(fleet.nodeDir(n)));
  return Promise.all(
    shares.map((dirs, w) => {
      const cfg = path.join(fleet.dir, `worker-${w}.json`);
      fs.writeFileSync(cfg, JSON.stringify({ caUrl: fleet.caUrl, handshakeIntervalMs: HANDSHAKE_MS, pollIntervalMs: POLL_MS, dirs }));
      const log = fs.openSync(path.join(fleet.dir, `worker-${w}.log`), "a");
      // bench/lib's spawnGroup: tracked, so the group is killed even when the bench is interrupted.
      const c = spawnGroup(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), "bench/rotationRunAgents.ts", cfg], { cwd: ROOT, env: fleet.env, stdio: ["ignore", "pipe", log] });
      fs.closeSync(log);
      return new Promise<ChildProcess>((resolve, reject) => {
        let out = "";
        c.stdout!.on("data", (d) => {
          out += d;
          if (/ready \d+/.test(out)) resolve(c);
        });
        c.once("exit", (code) => reject(new Error(`agent worker ${w} exited ${code}: ${fs.readFileSync(path.join(fleet.dir, `worker-${w}.log`), "utf8").slice(-3000)}`)));
      });
    }),
  );
}

interface Row {
  nodes: number;
  links: number;
  wallS: number;
  caRunCpuMs: number;
  startCpuMs: number;
  handshakes: number;
  handshakesPerS: number;
  failed: number;
  fallbacks: number;
  pollWaitShare: number;
  tasks: number;
  agentCpuMs: number;
}

async function rotate(size: number): Promise<Row> {
  const dataDir = migratedDataDir(`rr-${size}`);
  const env: NodeJS.ProcessEnv = { ...process.env, ROOTLINE_DATA_DIR: dataDir };
  delete env.DATABASE_URL;
  const fleet = new Fleet({ env, label: `bench-${size}`, handshakeIntervalMs: HANDSHAKE_MS, pollIntervalMs: POLL_MS });
  const workers: ChildProcess[] = [];
  try {
    const doc = generateFleet(size);
    const tp = Date.now();
    await fleet.setup({ name: `fleet-${size}`, doc: doc as never, issuer: `bench-${size}` });
    console.log(`  ${size} nodes, ${doc.links.length} links: provisioned in ${fmt((Date.now() - tp) / 1000, 1)} s`);
    // BENCH_RR_CA_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the CA (written when it stops).
    await fleet.startCa({}, (process.env.BENCH_RR_CA_NODE_ARGS ?? "").split(" ").filter(Boolean));
    const tw = Date.now();
    workers.push(...(await startWorkers(fleet, doc.nodes.map((n) => n.id))));
    await fleet.waitLinksOk(tw, 300_000, doc.links as never, 3000);
    console.log(`  agents in ${WORKERS} processes; every link authenticated ${fmt((Date.now() - tw) / 1000, 1)} s after start`);
    await sleep(1000);

    const cpu0 = groupCpuMs(fleet.caChild!.pid!);
    const agents0 = workers.reduce((s, w) => s + groupCpuMs(w.pid!), 0);
    const t0 = Date.now();
    const { id, cpuMs: startCpuMs } = await fleet.startRun(["--mode", "stepwise", "--task-timeout-s", "60"]);
    const state = await fleet.waitRun(id, ["succeeded", "failed"], 600_000);
    const t1 = Date.now();
    const caRunCpuMs = groupCpuMs(fleet.caChild!.pid!) - cpu0;
    const agentCpuMs = workers.reduce((s, w) => s + groupCpuMs(w.pid!), 0) - agents0;
    if (state !== "succeeded") throw new Error(`run ${id} ${state}: ${fleet.runRow(id).failure}`);

    let handshakes = 0;
    let failed = 0;
    let fallbacks = 0;
    for (const n of doc.nodes)
      for (const h of fleet.handshakes(n.id)) {
        const at = Date.parse(h.at);
        if (at < t0 || at > t1) continue;
        if (h.role === "client") handshakes++;
        if (h.result === "failed") failed++;
        if (h.result === "fallback") fallbacks++;
      }
    const tasks = fleet.tasks(id).filter((t) => t.node && t.sentAt && t.completedAt);
    const waitPoll = tasks.reduce((s, t) => s + Math.max(0, (t.pickedUpAt ?? t.completedAt!) - t.sentAt!), 0);
    const total = tasks.reduce((s, t) => s + (t.completedAt! - t.sentAt!), 0);
    return {
      nodes: size,
      links: doc.links.length,
      wallS: (t1 - t0) / 1000,
      caRunCpuMs,
      startCpuMs: startCpuMs ?? NaN,
      handshakes,
      handshakesPerS: handshakes / ((t1 - t0) / 1000),
      failed,
      fallbacks,
      pollWaitShare: total ? waitPoll / total : NaN,
      tasks: tasks.length,
      agentCpuMs,
    };
  } finally {
    await Promise.all(workers.map((w) => stopGroup(w, 1000)));
    if (process.env.BENCH_RR_CA_NODE_ARGS) await fleet.stopCa("SIGTERM");
    await fleet.close();
    removeTempDir(dataDir);
  }
}

export async function run(): Promise<void> {
  heading(`rotation-run — real agents, TLS and a ${POLL_MS / 1000} s poll (bench/rotationRun.ts)`);
  console.log(`agents in ${WORKERS} worker processes, handshake interval ${HANDSHAKE_MS} ms, ${os.cpus().length} CPUs`);
  const rows: Row[] = [];
  for (const size of SIZES) rows.push(await rotate(size));
  table(
    "start → succeeded (stepwise, minimal schedule)",
    ["nodes", "links", "tasks", "wall s", "CA CPU run ms", "start CPU ms", "CA ms/node", "agents CPU s", "handshakes/s", "failed", "fallback", "poll-wait share"],
    rows.map((r) => [
      r.nodes,
      r.links,
      r.tasks,
      fmt(r.wallS, 1),
      fmt(r.caRunCpuMs),
      fmt(r.startCpuMs),
      fmt((r.caRunCpuMs + r.startCpuMs) / r.nodes, 2),
      fmt(r.agentCpuMs / 1000, 1),
      fmt(r.handshakesPerS, 0),
      r.failed,
      r.fallbacks,
      `${fmt(r.pollWaitShare * 100, 0)}%`,
    ]),
  );
  if (rows.length >= 2) {
    const [a, b] = [rows[0], rows[rows.length - 1]];
    const ratio = (b.caRunCpuMs + b.startCpuMs) / (a.caRunCpuMs + a.startCpuMs);
    console.log(`\nCA-side CPU ${b.nodes} vs ${a.nodes} nodes: ×${fmt(ratio, 2)} for ×${fmt(b.nodes / a.nodes, 2)} nodes (linear: ≈ ${fmt(b.nodes / a.nodes, 1)})`);
  }
  const big = rows.find((r) => r.nodes === 1000);
  if (big) console.log(`goal: 1,000 nodes done in under 60 s: ${fmt(big.wallS, 1)} s — ${big.wallS < 60 ? "MET" : "MISSED"}`);
}
