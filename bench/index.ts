/**
 * Rootline benchmarks.
 *
 *   npm run bench                       # every section, in order
 *   npm run bench -- issuance           # one section (or several: -- crl bytes)
 *
 * Sections: issuance (issue #2), repository, generations (issue #10), crl, bytes (issue #3), busy, revocation (issue #7), rotation, rotation-run (issue #9), proxy (issue 11), ocsp (issue 13), database (issue 14), cache (issue 14), hsm (issue 14), pki, list.
 * Each section uses its own temporary data dirs (migrated with `prisma migrate deploy`),
 * starts and stops its own child processes (process groups, loopback only) and removes
 * what it created. HTTP sections serve a private copy of .next (built only when
 * .next/BUILD_ID is missing). The machine may be shared: the sections quote medians over
 * rounds and ratios measured in the same run.
 * Profiling the app under load: BENCH_APP_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"
 * npm run bench -- issuance (the profile is written when the section stops the server).
 */
import path from "node:path";
import os from "node:os";
import { ROOT, fmt, heading, nowMs, runChild } from "./lib";

type Section = { name: string; what: string; run: () => Promise<void> };

/** tsx loads .ts as CommonJS here: the exports of a dynamic import sit under `default`. */
const load = (file: string) => async () => {
  const m = (await import(file)) as { run?: () => Promise<void>; default?: { run: () => Promise<void> } };
  await (m.run ?? m.default!.run)();
};

const SECTIONS: Section[] = [
  { name: "issuance", what: "certs/s: domain layer, POST /api/v1/certificates, openssl reference (issue #2)", run: load("./issuance") },
  { name: "repository", what: "GET revocation-info req/s and p99 vs a minimal node:http server (issue #3)", run: load("./repository") },
  { name: "generations", what: "CA information bytes per device poll (JSON, DER); download server req/s vs the repository's (issue #10)", run: load("./generations") },
  { name: "crl", what: "CRL rebuild/build time and peak RSS at 10k/100k entries, openssl parse (issue #3)", run: load("./crl") },
  { name: "bytes", what: "bytes per device check: revocation-info vs CRL at 100 / 100k revoked (issue #3)", run: load("./bytes") },
  { name: "busy", what: "repository p50/p99 while another process holds SQLite's write lock vs without (issue #7)", run: load("./busy") },
  { name: "revocation", what: "raise-first revocation of 1k/10k valid certificates: write-lock time, another process's wait (issue #7)", run: load("./revocation") },
  {
    name: "rotation",
    what: "root-key update planner and simulator at 1k/10k/100k nodes",
    run: async () => {
      heading("rotation — root-key update planner and simulator (bench/rotation.ts)");
      await load("./rotation")();
    },
  },
  {
    name: "rotation-run",
    what: "rotation run on 250 / 1,000 real agents (TLS, 1 s poll): wall time, CA CPU per node, handshakes/s, poll wait (issue #9)",
    run: load("./rotationRun"),
  },
  { name: "ocsp", what: "OCSP responses/s (cached, nonce) vs the repository's revocation information, same run (issue 13)", run: load("./ocsp") },
  { name: "database", what: "issuance certs/s through the API: PostgreSQL vs SQLite, one and two app instances, same run (issue 14)", run: load("./database") },
  { name: "cache", what: "repository req/s straight from the app vs through nginx's proxy_cache, same run (issue 14)", run: load("./cache") },
  { name: "hsm", what: "signing ops/s with a SoftHSM2 (PKCS#11) key vs a software key, ECDSA P-256 and RSA-2048, same run (issue 14)", run: load("./hsm") },
  { name: "proxy", what: "rootline proxy vs direct TLS: new connections/s, added latency p50/p99, bulk MB/s (issue 11)", run: load("./proxy") },
  {
    name: "pki",
    what: "lib/pki micro-benchmarks (issuance µs, CRL build), bench/pki.ts in a child process",
    // bench/pki.ts runs its main() on load and reads process.argv: it runs as its own process.
    run: async () => {
      heading("pki — lib/pki micro-benchmarks (bench/pki.ts, own process)");
      const r = await runChild(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), path.join(ROOT, "bench/pki.ts")], { cwd: ROOT, timeoutMs: 180_000 });
      process.stdout.write(r.stdout);
    },
  },
  {
    name: "list",
    what: "certificate list queries at 100k certificates (bench/list.ts), in a child process",
    // bench/list.ts sets its own ROOTLINE_DATA_DIR and master key in process.env: own process.
    run: async () => {
      heading("list — certificate list at 100k certificates (bench/list.ts, own process)");
      const r = await runChild(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), path.join(ROOT, "bench/list.ts")], { cwd: ROOT, timeoutMs: 180_000 });
      process.stdout.write(r.stdout);
    },
  },
];

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
  const unknown = wanted.filter((w) => !SECTIONS.some((s) => s.name === w));
  if (unknown.length) {
    console.error(`unknown section(s): ${unknown.join(", ")}\nsections: ${SECTIONS.map((s) => `\n  ${s.name.padEnd(11)} ${s.what}`).join("")}`);
    process.exit(2);
  }
  const chosen = wanted.length ? SECTIONS.filter((s) => wanted.includes(s.name)) : SECTIONS;
  const load1 = os.loadavg()[0];
  console.log(`Rootline benchmarks — ${new Date().toISOString()} — node ${process.version}, ${os.cpus().length} CPUs, load average ${fmt(load1, 2)} at start`);
  console.log(`sections: ${chosen.map((s) => s.name).join(", ")}`);
  const times: [string, number][] = [];
  const t0 = nowMs();
  for (const s of chosen) {
    const ts = nowMs();
    await s.run();
    times.push([s.name, nowMs() - ts]);
  }
  console.log(`\n-- done in ${fmt((nowMs() - t0) / 1000)} s (${times.map(([n, ms]) => `${n} ${fmt(ms / 1000)} s`).join(", ")}); load average now ${fmt(os.loadavg()[0], 2)}`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
