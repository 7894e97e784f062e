/**
 * Issue 14: issuance certs/s on PostgreSQL against SQLite, same run, through the API
 * (POST /api/v1/certificates on lib/test/fastPathServer.ts processes: the app's handlers on
 * node:http, no Next build), with one app instance and with two on one database (requests
 * split evenly). Every round issues ROUND distinct ECDSA P-256 CSRs with IN_FLIGHT requests
 * in flight, on a fresh database; medians over ROUNDS.
 * PostgreSQL: ROOTLINE_PG_URL names a server, else a throw-away cluster is started
 * (scripts/pg-cluster.sh: initdb + pg_ctl, 127.0.0.1, fsync off) and removed afterwards.
 * Run alone: npm run bench -- database
 */
import { execFileSync, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import http from "node:http";
import path from "node:path";
import pg from "pg";
import { ADMIN, ROOT, benchEnv, fmt, heading, makeCsrs, median, migratedDataDir, nowMs, releaseDb, removeTempDir, switchDataDir, table } from "./lib";
import { startFastPathServer, type FastPathProcess } from "../lib/test/fastPathProcess";

const ROUNDS = 3;
const ROUND = 600;
const IN_FLIGHT = 32;
const ISSUER = "bench-ca";

interface Target {
  label: string;
  /** A fresh, migrated database: its DATABASE_URL and how to remove it. */
  fresh(): Promise<{ env: Record<string, string>; drop(): Promise<void> }>;
}

async function prepare(env: Record<string, string>): Promise<string> {
  const { createFirstAdministrator } = await import("../lib/auth/users");
  const { createApiToken } = await import("../lib/auth/apiTokens");
  const { createIssuer } = await import("../lib/issuers/service");
  await releaseDb();
  delete process.env.DATABASE_URL;
  Object.assign(process.env, env);
  const admin = await createFirstAdministrator({ email: "bench@example.com", name: "Bench", password: "bench-password-0123456789" });
  const { token } = await createApiToken({ kind: "user", name: admin.email, role: "administrator", userId: admin.id }, { name: "bench", role: "operator" });
  await createIssuer(ADMIN, { name: ISSUER, keyType: "ec-p256" });
  await releaseDb();
  return token;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function post(port: number, token: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method: "POST", path: "/api/v1/certificates", agent, headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** certs/s for `csrs` through `servers` (request i to server i mod n), IN_FLIGHT at a time. */
async function round(servers: FastPathProcess[], token: string, csrs: string[]): Promise<number> {
  let next = 0;
  let failed = 0;
  const t0 = nowMs();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < csrs.length) {
        const i = next++;
        if ((await post(servers[i % servers.length].port, token, JSON.stringify({ issuer: ISSUER, csr: csrs[i] }))) !== 201) failed++;
      }
    }),
  );
  const ms = nowMs() - t0;
  if (failed) throw new Error(`${failed} of ${csrs.length} requests failed`);
  return (csrs.length / ms) * 1000;
}

async function measure(target: Target, instances: number): Promise<number[]> {
  const rates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const db = await target.fresh();
    const token = await prepare(db.env);
    const servers = await Promise.all(Array.from({ length: instances }, () => startFastPathServer({ env: { ...db.env, ROOTLINE_SWEEP_INTERVAL_MINUTES: "0" } })));
    try {
      await round(servers, token, makeCsrs(60, `warm${r}`)); // warm-up: JIT, signer cache, pools
      rates.push(await round(servers, token, makeCsrs(ROUND, `r${r}`)));
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
      await db.drop();
    }
  }
  return rates;
}

function sqlite(): Target {
  return {
    label: "SQLite",
    async fresh() {
      const dir = migratedDataDir("database-bench");
      await switchDataDir(dir);
      return { env: { ROOTLINE_DATA_DIR: dir }, drop: async () => removeTempDir(dir) };
    },
  };
}

function postgres(server: string): Target {
  let n = 0;
  let template: string | null = null;
  const withDb = (name: string) => Object.assign(new URL(server), { pathname: `/${name}` }).toString();
  const admin = async <T>(fn: (c: pg.Client) => Promise<T>) => {
    const c = new pg.Client({ connectionString: server });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };
  return {
    label: "PostgreSQL",
    async fresh() {
      const tag = crypto.randomBytes(4).toString("hex");
      if (!template) {
        template = `bench_tpl_${tag}`;
        await admin((c) => c.query(`CREATE DATABASE "${template}"`));
        execFileSync(process.execPath, [path.join(ROOT, "node_modules/prisma/build/index.js"), "migrate", "deploy"], { cwd: ROOT, env: { ...process.env, DATABASE_URL: withDb(template) }, stdio: "pipe" });
      }
      const name = `bench_${tag}_${n++}`;
      await admin((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
      return { env: { DATABASE_URL: withDb(name) }, drop: () => admin((c) => c.query(`DROP DATABASE "${name}" WITH (FORCE)`)).then(() => {}) };
    },
  };
}

/** A throw-away cluster (scripts/pg-cluster.sh) unless ROOTLINE_PG_URL names a server. */
function pgServer(): { url: string; stop(): void } {
  if (process.env.ROOTLINE_PG_URL) return { url: process.env.ROOTLINE_PG_URL, stop: () => {} };
  const r = spawnSync("bash", ["-c", 'source scripts/pg-cluster.sh && pg_cluster_start && echo "$ROOTLINE_PG_URL $PG_CLUSTER_DIR"'], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`cannot start PostgreSQL: ${r.stderr}`);
  const [url, dir] = r.stdout.trim().split("\n").pop()!.split(" ");
  return { url, stop: () => void spawnSync("bash", ["-c", `source scripts/pg-cluster.sh && PG_CLUSTER_DIR=${dir} pg_cluster_stop`], { cwd: ROOT }) };
}

export async function run(): Promise<void> {
  heading("database — issuance certs/s: PostgreSQL vs SQLite, one and two app instances (bench/database.ts)");
  benchEnv();
  const server = pgServer();
  try {
    const rows: (string | number)[][] = [];
    const medians: Record<string, number> = {};
    for (const [target, instances] of [
      [sqlite(), 1],
      [postgres(server.url), 1],
      [postgres(server.url), 2],
      [sqlite(), 2],
    ] as const) {
      const rates = await measure(target, instances);
      const key = `${target.label} ×${instances}`;
      medians[key] = median(rates);
      rows.push([target.label, instances, fmt(median(rates)), rates.map((x) => fmt(x)).join(" / ")]);
    }
    table(`POST /api/v1/certificates, ${ROUND} ECDSA P-256 CSRs per round, ${IN_FLIGHT} in flight, fresh database per round, ${ROUNDS} rounds`, ["database", "instances", "certs/s (median)", "rounds"], rows);
    console.log(
      `PostgreSQL/SQLite, one instance: ${fmt(medians["PostgreSQL ×1"] / medians["SQLite ×1"], 2)}×; two PostgreSQL instances vs one: ${fmt(medians["PostgreSQL ×2"] / medians["PostgreSQL ×1"], 2)}× ` +
        `(writes serialize on the database in both: two instances add signing and HTTP capacity, not write capacity; this machine has 2 cores for the bench, both instances and the database).`,
    );
  } finally {
    agent.destroy();
    await releaseDb();
    server.stop();
  }
}
