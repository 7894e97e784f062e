/**
 * Root-key update planner and simulator at 1k, 10k and 100k nodes (about five links per node).
 * Run alone: npx tsx -e 'import("./bench/rotation.ts").then(m=>(m.run??m.default.run)())'
 * (without "type": "module" in package.json, tsx loads .ts as CommonJS and import() puts the
 * exports under `default`).
 *
 * Topology (seeded, so every run measures the same input):
 * - 1% core servers, all direct;
 * - 9% regional servers, each a mutual client of 1–2 core servers (multi-role nodes), 30% direct;
 * - 90% devices, each a client of 5 distinct servers (mostly regional), 15% of those links one-way;
 * - links in two root key groups: 90% "fleet", 10% "ops".
 */
import v8 from "node:v8";
import vm from "node:vm";
import { autoLayout } from "../components/topology/model/layout";
import { checkOrder, parseTopology, planUpdate, simulate, type Topology } from "../lib/rotation/index";
import { generateFleet } from "../lib/topologies/samples";

/** A full GC before each sample, so no sample pays for the garbage of the one before. */
function collectGarbage(): void {
  v8.setFlagsFromString("--expose_gc");
  (vm.runInNewContext("gc") as () => void)();
}

interface Input {
  nodes: { id: string; direct?: boolean }[];
  links: { client: string; server: string; group: string; auth: "mutual" | "one-way" }[];
}

export function generateTopology(n: number, seed = 42): Input {
  let x = seed >>> 0;
  const rand = () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const pick = (k: number) => Math.floor(rand() * k);
  const core = Math.max(1, Math.round(n * 0.01));
  const regional = Math.max(1, Math.round(n * 0.09));
  const nodes: Input["nodes"] = [];
  const links: Input["links"] = [];
  const group = () => (rand() < 0.9 ? "fleet" : "ops");
  for (let i = 0; i < core; i++) nodes.push({ id: `core-${i}`, direct: true });
  for (let i = 0; i < regional; i++) {
    const id = `region-${i}`;
    nodes.push({ id, direct: rand() < 0.3 });
    const first = pick(core);
    // Every regional server talks to core servers in both groups, so each group can relay to it.
    links.push({ client: id, server: `core-${first}`, group: "fleet", auth: "mutual" });
    links.push({ client: id, server: `core-${first}`, group: "ops", auth: "mutual" });
    if (core > 1 && rand() < 0.5) links.push({ client: id, server: `core-${(first + 1 + pick(core - 1)) % core}`, group: group(), auth: "mutual" });
  }
  for (let i = 0; nodes.length < n; i++) {
    const id = `dev-${i}`;
    nodes.push({ id });
    const servers = new Set<string>();
    while (servers.size < Math.min(5, core + regional)) servers.add(rand() < 0.9 ? `region-${pick(regional)}` : `core-${pick(core)}`);
    for (const server of servers) links.push({ client: id, server, group: group(), auth: rand() < 0.15 ? "one-way" : "mutual" });
  }
  return { nodes, links };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

interface Sample {
  parse: number;
  plan: number;
  check: number;
  simulate: number;
  tasks: number;
  heapDelta: number;
  rssDelta: number;
}

function measure(input: Input): Sample {
  collectGarbage();
  const before = process.memoryUsage();
  let peakRss = before.rss;
  let peakHeap = before.heapUsed;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };

  let t = process.hrtime.bigint();
  const parsed = parseTopology(input);
  const parse = ms(t);
  if (!parsed.ok) throw new Error(`generated topology invalid: ${parsed.errors[0].path} ${parsed.errors[0].message}`);
  const topology: Topology = parsed.topology;
  sample();

  t = process.hrtime.bigint();
  const planned = planUpdate(topology, { mode: "stepwise", schedule: "minimal" });
  const plan = ms(t);
  if (!planned.ok) throw new Error("planning failed");
  sample();

  // The checker's fast path: validate the full order and simulate it without recording diffs.
  t = process.hrtime.bigint();
  for (const g of planned.plan.groups) {
    const r = checkOrder(topology, g, g.order);
    if (r.kind !== "ok") throw new Error(`plan order fails: ${JSON.stringify(r)}`);
  }
  const check = ms(t);
  sample();

  // The UI's path: simulate with per-step diffs (node stores before/after, link changes).
  t = process.hrtime.bigint();
  let tasks = 0;
  for (const g of planned.plan.groups) {
    const sim = simulate(topology, g);
    if (sim.firstFailure) throw new Error("plan order fails in simulate");
    tasks += sim.steps.length;
  }
  const simulateMs = ms(t);
  sample();
  return { parse, plan, check, simulate: simulateMs, tasks, heapDelta: peakHeap - before.heapUsed, rssDelta: peakRss - before.rss };
}

export async function run(): Promise<void> {
  const sizes: [nodes: number, runs: number][] = [
    [1_000, 11],
    [10_000, 5],
    [100_000, 3],
  ];
  console.log("rotation: parse + plan (stepwise, minimal) + check (simulation of the full order) + simulate with diffs");
  console.log("nodes    links    tasks    parse ms  plan ms  check ms  sim ms   plan+check µs/(node+link)  heap Δ MB  rss Δ MB");
  const perElement: number[] = [];
  for (const [n, runs] of sizes) {
    const input = generateTopology(n);
    for (let i = 0; i < 3; i++) measure(generateTopology(1_000, 7)); // warm-up (JIT)
    const samples: Sample[] = [];
    for (let i = 0; i < runs; i++) samples.push(measure(input));
    const m = (k: keyof Sample) => median(samples.map((s) => s[k]));
    const elements = input.nodes.length + input.links.length;
    const per = ((m("plan") + m("check")) * 1000) / elements;
    perElement.push(per);
    console.log(
      [
        String(n).padEnd(8),
        String(input.links.length).padEnd(8),
        String(samples[0].tasks).padEnd(8),
        m("parse").toFixed(1).padEnd(9),
        m("plan").toFixed(1).padEnd(8),
        m("check").toFixed(1).padEnd(9),
        m("simulate").toFixed(1).padEnd(8),
        per.toFixed(3).padEnd(26),
        mb(m("heapDelta")).padEnd(10),
        mb(m("rssDelta")),
      ].join(" "),
    );
  }
  // 1k runs are dominated by fixed costs (and a young generation shrunk by the forced GC), so
  // growth is judged from 10k to 100k: a ratio near 1 means time grows linearly with the input.
  console.log(
    `plan+check time per (node+link): ${perElement.map((p) => p.toFixed(2) + " µs").join(" / ")}; ` +
      `100k vs 10k: ${(perElement[2] / perElement[1]).toFixed(2)} (1.00 = linear). ` +
      "Medians of 11 / 5 / 3 runs; memory = peak delta within one run.",
  );
  // The editor's automatic layout (dagre, in a Web Worker in the browser) of a generated fleet.
  const layoutMs: number[] = [];
  const fleet = generateFleet(1_000);
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    autoLayout(fleet);
    layoutMs.push(performance.now() - started);
  }
  console.log(`editor auto layout, 1,000-node fleet: median ${median(layoutMs).toFixed(0)} ms of 5 runs`);
}
