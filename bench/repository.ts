/**
 * Issue #3: GET /api/repository/{issuer}/revocation-info under load, requests/s and p99,
 * against a minimal node:http server returning the same bytes with the same headers.
 * Both servers run in their own child processes; the load comes from a third process
 * (autocannon in bench/loadWorker.cjs), on loopback, 50 connections. Rounds alternate
 * between the two servers so drift on this shared machine hits both alike.
 * The app is the product server (`tsx server.ts`), which answers /api/repository/* on its
 * node:http fast path (lib/http/fastPath.ts) before Next.
 * Goal: the app reaches ≥ 50% of the minimal server's requests/s.
 * Run alone: npm run bench -- repository
 */
import http from "node:http";
import { ADMIN, goal, heading, loadFromChild, median, migratedDataDir, nowMs, releaseDb, removeTempDir, spawnGroup, startApp, stopGroup, table, switchDataDir, fmt, type LoadResult } from "./lib";

const ISSUER = "repo-ca";
const CONNECTIONS = 50;
const ROUNDS = 3;
const SECONDS = 4; // per round and server: 3 × 4 s = 12 s of load each for the 200 path
const ROUNDS_304 = 2;
const SECONDS_304 = 3;
const WARMUP_SECONDS = 2;

/** The minimal server: the captured status/headers/body, 304 on a matching If-None-Match. */
const MINIMAL_SERVER = `
const http = require("node:http");
const body = Buffer.from(process.env.BENCH_BODY, "base64");
const headers = JSON.parse(process.env.BENCH_HEADERS);
const etag = headers.etag;
const notModified = Object.fromEntries(Object.entries(headers).filter(([k]) => k !== "content-type" && k !== "content-length"));
const server = http.createServer((req, res) => {
  if (req.headers["if-none-match"] === etag) { res.writeHead(304, notModified); res.end(); return; }
  res.writeHead(200, headers);
  res.end(body);
});
server.keepAliveTimeout = 5000;
server.listen(0, "127.0.0.1", () => console.log("listening " + server.address().port));
`;

/** A raw GET as autocannon sends it (no Accept-Encoding, so no compression): status, headers, body bytes. */
function rawGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      })
      .on("error", reject);
  });
}

async function startMinimal(body: Buffer, headers: Record<string, string>) {
  const child = spawnGroup(process.execPath, ["-e", MINIMAL_SERVER], { env: { ...process.env, BENCH_BODY: body.toString("base64"), BENCH_HEADERS: JSON.stringify(headers) }, stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once("exit", (code) => reject(new Error(`minimal server exited ${code}`)));
  });
  return { base: `http://127.0.0.1:${port}`, stop: () => stopGroup(child) };
}

export async function run(): Promise<void> {
  heading("repository — GET /api/repository/{issuer}/revocation-info under load (issue #3)");
  const { createIssuer } = await import("../lib/issuers/service");
  const dir = migratedDataDir("repository");
  await switchDataDir(dir);
  await createIssuer(ADMIN, { name: ISSUER, keyType: "ec-p256" });
  await releaseDb();

  const app = await startApp(dir);
  let minimal: Awaited<ReturnType<typeof startMinimal>> | undefined;
  try {
    const path = `/api/repository/${ISSUER}/revocation-info`;
    const first = await rawGet(app.base + path);
    const body = first.body;
    if (first.status !== 200) throw new Error(`GET ${path}: ${first.status} ${body.toString().slice(0, 300)}`);
    // Every header the app sent, except per-connection ones node:http writes itself.
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(first.headers)) {
      if (v !== undefined && !["date", "connection", "keep-alive", "transfer-encoding"].includes(k)) headers[k] = String(v);
    }
    const etag = headers.etag;
    minimal = await startMinimal(body, headers);
    const check = await rawGet(minimal.base + path);
    const same = check.body.equals(body);
    const revalidate = await rawGet(app.base + path, { "if-none-match": etag });
    if (!same || revalidate.status !== 304) throw new Error(`set-up check failed: same body ${same}, app 304 ${revalidate.status}`);
    console.log(`document: ${body.length} bytes; headers copied to the minimal server: ${Object.keys(headers).join(", ")}`);
    const targets = { app: app.base + path, minimal: minimal.base + path };
    const load = (url: string, seconds: number, inm?: boolean) => loadFromChild({ url, connections: CONNECTIONS, duration: seconds, headers: inm ? { "if-none-match": etag } : undefined });
    await load(targets.app, WARMUP_SECONDS);
    await load(targets.minimal, WARMUP_SECONDS);

    const results: Record<string, LoadResult[]> = { "app 200": [], "minimal 200": [], "app 304": [], "minimal 304": [] };
    const t0 = nowMs();
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 ? (["minimal", "app"] as const) : (["app", "minimal"] as const);
      for (const k of order) results[`${k} 200`].push(await load(targets[k], SECONDS));
    }
    for (let r = 0; r < ROUNDS_304; r++) {
      const order = r % 2 ? (["minimal", "app"] as const) : (["app", "minimal"] as const);
      for (const k of order) results[`${k} 304`].push(await load(targets[k], SECONDS_304, true));
    }
    const loadMs = nowMs() - t0;

    const rows: (string | number)[][] = [];
    for (const [k, rs] of Object.entries(results)) {
      const expected = k.endsWith("304") ? "304" : "200";
      const codes: Record<string, number> = {};
      for (const r of rs) for (const [c, n] of Object.entries(r.statusCodes)) codes[c] = (codes[c] ?? 0) + n;
      const errors = rs.reduce((a, r) => a + r.errors, 0);
      const unexpected = Object.keys(codes).filter((c) => c !== expected);
      if (unexpected.length || errors) throw new Error(`${k}: statuses ${JSON.stringify(codes)}, ${errors} errors`);
      rows.push([k, fmt(median(rs.map((r) => r.requestsPerSec))), rs.map((r) => fmt(r.requestsPerSec)).join(", "), fmt(median(rs.map((r) => r.p50))), fmt(median(rs.map((r) => r.p99))), `${fmt(rs.reduce((a, r) => a + r.total, 0))} × ${expected}`]);
    }
    table(`${CONNECTIONS} connections, autocannon in its own process; ${ROUNDS} × ${SECONDS} s (200) and ${ROUNDS_304} × ${SECONDS_304} s (304) per server, alternating`, ["target", "median req/s", "rounds req/s", "p50 ms", "p99 ms", "responses"], rows);
    const rps = (k: string) => median(results[k].map((r) => r.requestsPerSec));
    const ratio200 = rps("app 200") / rps("minimal 200");
    const ratio304 = rps("app 304") / rps("minimal 304");
    table("goal (issue #3)", ["ratio", "value", "goal", "status"], [
      goal("app / minimal node:http, 200 (full body)", `${fmt(ratio200 * 100)}%`, "≥ 50%", ratio200 >= 0.5),
      ["app / minimal node:http, 304 (If-None-Match)", `${fmt(ratio304 * 100)}%`, "(info)", ""],
      ["app p99 / minimal p99, 200", `${fmt(median(results["app 200"].map((r) => r.p99)) / Math.max(1, median(results["minimal 200"].map((r) => r.p99))), 1)}×`, "(info)", ""],
    ]);
    console.log(`(${fmt(loadMs / 1000)} s of load)`);
  } finally {
    await minimal?.stop();
    await app.stop();
    removeTempDir(dir);
  }
}

if (require.main === module) run().catch((e) => { console.error(e); process.exit(1); });
