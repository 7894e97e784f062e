/**
 * Issue #7: a raise-first revocation of the newest of N still-valid certificates (every
 * one of them affected: renewal requests for all, RN raised past all), at 1k and 10k.
 *   - the startRevocation call: one `BEGIN IMMEDIATE` transaction, so this is the time
 *     the write lock is held;
 *   - what another process feels: a prober process commits an empty write transaction
 *     every 5 ms throughout and reports its longest wait for the lock (devices' and the
 *     app's writes queue exactly like this, on the main thread).
 * Goal: 10k certificates well under 1 s of write lock.
 * Run alone: npm run bench -- revocation
 */
import os from "node:os";
import { ADMIN, fmt, goal, heading, migratedDataDir, nowMs, removeTempDir, spawnGroup, stopGroup, table, tsxChild, ROOT } from "./lib";
import { addRevoked, createBenchIssuer } from "./populate";

const SIZES = [1_000, 10_000];
const ISSUER = "revocation-bench-ca";

interface ChildResult {
  n: number;
  txMs: number;
  /** This process's CPU time during the call: less sensitive than wall time to a busy machine. */
  cpuMs: number;
  probeMaxWaitMs: number;
  probes: number;
  tokens: number;
  requests: number;
  stillValid: number;
  revocationNumber: string;
}

// ------------------------------------------------------------------ prober (own process)

/**
 * Plain node (no tsx in between): commits an empty write transaction every 5 ms; when its
 * stdin closes it prints its longest wait for the lock and exits.
 */
const PROBER = `
const Database = require("better-sqlite3");
const conn = new Database(process.argv[1], { timeout: 600000 });
conn.pragma("journal_mode = WAL");
const begin = conn.prepare("BEGIN IMMEDIATE"), commit = conn.prepare("COMMIT");
let maxWaitMs = 0, probes = 0;
const tick = () => {
  const t0 = performance.now();
  begin.run(); commit.run();
  maxWaitMs = Math.max(maxWaitMs, performance.now() - t0);
  if (++probes === 1) console.log("ready");
  timer = setTimeout(tick, 5);
};
let timer = setTimeout(tick, 0);
process.stdin.on("data", () => {});
process.stdin.on("end", () => { clearTimeout(timer); console.log(JSON.stringify({ maxWaitMs, probes })); process.exit(0); });
`;

// ------------------------------------------------------------------ child: populate, then revoke under the prober

/**
 * `warm`: a small revocation on another issuer first, as in a running app (Prisma compiles
 * each query shape on first use: ~0.3 s of a cold CLI process's revocation).
 */
async function child(n: number, warm: boolean): Promise<void> {
  const { db, closeDb } = await import("../lib/db");
  const { databaseFile } = await import("../lib/config");
  const { startRevocation } = await import("../lib/revocation/prefix");
  const issuer = await createBenchIssuer(ISSUER);
  await addRevoked(issuer, 0, n, 1000, true);
  const top = await db().certificate.findFirstOrThrow({ where: { issuerId: issuer.id }, orderBy: { serial: "desc" }, select: { serial: true } });
  if (warm) {
    const small = await createBenchIssuer(`${ISSUER}-warm-up`);
    await addRevoked(small, 0, 5, 1000, true);
    await startRevocation({ ...ADMIN, role: "administrator" }, { issuer: `${ISSUER}-warm-up`, serial: small.firstSerial + 8n, reason: "keyCompromise", order: "raise-first" });
  }

  const prober = spawnGroup(process.execPath, ["-e", PROBER, databaseFile()], { cwd: ROOT, stdio: ["pipe", "pipe", "inherit"] });
  let out = "";
  await new Promise<void>((resolve, reject) => {
    prober.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("ready")) resolve();
    });
    prober.once("exit", (code) => reject(new Error(`prober exited ${code}`)));
  });
  await new Promise((r) => setTimeout(r, 100));

  const t0 = nowMs();
  const cpu0 = process.cpuUsage();
  const r = await startRevocation({ ...ADMIN, role: "administrator" }, { issuer: ISSUER, serial: top.serial, reason: "keyCompromise", order: "raise-first" });
  const txMs = nowMs() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;

  await new Promise((r) => setTimeout(r, 100));
  const exited = new Promise<void>((r) => prober.once("exit", () => r()));
  prober.stdin!.end();
  await exited;
  await stopGroup(prober);
  const p = JSON.parse(out.trim().split("\n").pop()!) as { maxWaitMs: number; probes: number };

  const requests = await db().renewalRequest.count({ where: { revocationId: r.id } });
  const stillValid = await db().certificate.count({ where: { issuerId: issuer.id, status: "valid", serial: { lt: r.revocationNumber } } });
  await closeDb();
  console.log(JSON.stringify({ n, txMs, cpuMs, probeMaxWaitMs: p.maxWaitMs, probes: p.probes, tokens: r.tokens.length, requests, stillValid, revocationNumber: String(r.revocationNumber) } satisfies ChildResult));
}

// ------------------------------------------------------------------ parent

export async function run(): Promise<void> {
  heading("revocation — raise-first revocation of N valid certificates: write-lock time (issue #7)");
  const rows: (string | number)[][] = [];
  const goals: string[][] = [];
  for (const [n, warm] of SIZES.flatMap((n) => [[n, false], [n, true]] as const)) {
    const dir = migratedDataDir(`revocation-${n}`);
    try {
      const r = await tsxChild(__filename, ["child", String(n), warm ? "warm" : "cold"], { ...process.env, ROOTLINE_DATA_DIR: dir }, 600_000);
      const c = JSON.parse(r.stdout.trim().split("\n").pop()!) as ChildResult;
      // Every certificate up to the target is affected (the sample certificate too).
      if (c.tokens !== n + 1 || c.requests !== n + 1 || c.stillValid !== 0) throw new Error(`revocation of ${n}: ${JSON.stringify(c)}`);
      rows.push([fmt(n), warm ? "warm (app)" : "cold (CLI)", fmt(c.txMs), fmt(c.cpuMs), fmt(c.probeMaxWaitMs), fmt(c.probes), fmt(c.requests), fmt(c.tokens)]);
      if (n === 10_000) goals.push(goal(`raise-first revocation of 10k certificates, ${warm ? "warm" : "cold"} process (write lock held)`, `${fmt(c.txMs)} ms`, "< 1,000 ms", c.txMs < 1000));
    } finally {
      removeTempDir(dir);
    }
  }
  table("raise-first revocation (startRevocation: one BEGIN IMMEDIATE transaction)", ["certificates", "process", "transaction ms", "CPU ms", "other process: longest wait ms", "probes", "renewal requests", "tokens"], rows);
  table(`goal (issue #7); load average ${fmt(os.loadavg()[0], 1)} on ${os.cpus().length} CPUs: on a busy machine compare CPU ms`, ["measure", "value", "goal", "status"], goals);
}

if (require.main === module) {
  const [mode, a, b] = process.argv.slice(2);
  const job = mode === "child" ? child(Number(a), b === "warm") : run();
  job.then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
