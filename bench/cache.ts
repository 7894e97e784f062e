/**
 * Issue 14: repository req/s straight from the app (lib/test/fastPathServer.ts, the
 * repository handlers server.ts serves without Next) and through nginx's proxy_cache with
 * the configuration in docs/OPERATIONS.md ("Behind a cache or CDN", lib/test/nginx.ts),
 * same run, rotating per round:
 *   - revocation-info (`no-cache`): through nginx each request is a revalidation (the app
 *     answers 304, nginx sends its stored body) — what keeps a raised RN visible at once;
 *   - the same with the device's If-None-Match (a 304 to the device);
 *   - ca.crt (`max-age=3600`): through nginx a plain cache HIT, the app is not asked.
 * Load from autocannon in its own process, 50 connections, loopback; nginx: one worker.
 * Run alone: npm run bench -- cache
 */
import path from "node:path";
import { ADMIN, fmt, heading, loadFromChild, loadRows, median, migratedDataDir, nowMs, releaseDb, removeTempDir, rotatedRounds, switchDataDir, table } from "./lib";

const ISSUER = "cache-ca";
const CONNECTIONS = 50;
const ROUNDS = 3;
const SECONDS = 3;
const WARMUP_SECONDS = 1;

export async function run(): Promise<void> {
  heading("cache — repository req/s straight from the app vs through nginx's proxy_cache (issue 14)");
  const { NGINX, startNginx } = await import("../lib/test/nginx");
  if (!NGINX) {
    console.log("nginx is not installed (apt-get install nginx): skipped");
    return;
  }
  const { createIssuer } = await import("../lib/issuers/service");
  const { startFastPathServer } = await import("../lib/test/fastPathProcess");
  const dir = migratedDataDir("cache");
  await switchDataDir(dir);
  await createIssuer(ADMIN, { name: ISSUER, keyType: "ec-p256" });
  await releaseDb();
  const app = await startFastPathServer({ env: { ROOTLINE_DATA_DIR: dir, DATABASE_URL: `file:${path.join(dir, "rootline.db")}` } });
  const nginx = await startNginx({ origin: `127.0.0.1:${app.port}` });
  try {
    const info = `/api/repository/${ISSUER}/revocation-info`;
    const ca = `/api/repository/${ISSUER}/ca.crt`;
    const etag = (await fetch(`http://127.0.0.1:${app.port}${info}`)).headers.get("etag")!;
    const via = { app: `http://127.0.0.1:${app.port}`, nginx: `http://127.0.0.1:${nginx.cachePort}` };
    const targets: Record<string, { url: string; headers?: Record<string, string>; status: number }> = {};
    for (const [where, base] of Object.entries(via)) {
      targets[`revocation-info, ${where}`] = { url: base + info, status: 200 };
      targets[`revocation-info If-None-Match (304), ${where}`] = { url: base + info, headers: { "if-none-match": etag }, status: 304 };
      targets[`ca.crt, ${where}`] = { url: base + ca, status: 200 };
    }
    for (const [k, t] of Object.entries(targets)) {
      const r = await fetch(t.url, { headers: t.headers });
      if (r.status !== t.status) throw new Error(`${k}: HTTP ${r.status}, expected ${t.status}`);
      console.log(`${k}: ${r.status} ${r.headers.get("x-cache-status") ?? ""}`);
    }
    const load = (k: string, seconds: number) => loadFromChild({ url: targets[k].url, headers: targets[k].headers, connections: CONNECTIONS, duration: seconds });
    const keys = Object.keys(targets);
    const t0 = nowMs();
    const results = await rotatedRounds(keys, load, { rounds: ROUNDS, seconds: SECONDS, warmupSeconds: WARMUP_SECONDS });
    // 304 is the expected answer for the conditional target; anything else is an error.
    const rows = loadRows(results, (k, r) => r.errors + (targets[k].status === 200 ? r.non2xx : 0));
    table(`${CONNECTIONS} connections, autocannon in its own process; ${ROUNDS} × ${SECONDS} s per target, rotating`, ["target", "median req/s", "rounds req/s", "p50 ms", "p99 ms"], rows);
    const rps = (k: string) => median(results[k].map((r) => r.requestsPerSec));
    table("through nginx / straight from the app (same run)", ["document", "ratio"], [
      ["revocation-info (revalidated)", `${fmt((rps("revocation-info, nginx") / rps("revocation-info, app")) * 100)}%`],
      ["revocation-info, 304 to the device", `${fmt((rps("revocation-info If-None-Match (304), nginx") / rps("revocation-info If-None-Match (304), app")) * 100)}%`],
      ["ca.crt (cache HIT)", `${fmt((rps("ca.crt, nginx") / rps("ca.crt, app")) * 100)}%`],
    ]);
    const upstream = nginx.log().filter((l) => l.startsWith(info)).reduce((m, l) => ((m[l.split(" ")[3]] = (m[l.split(" ")[3]] ?? 0) + 1), m), {} as Record<string, number>);
    console.log(`revocation-info through nginx, upstream statuses: ${JSON.stringify(upstream)}  (${fmt((nowMs() - t0) / 1000)} s of load)`);
  } finally {
    await nginx.stop();
    await app.stop();
    removeTempDir(dir);
  }
}

if (require.main === module) run().catch((e) => { console.error(e); process.exit(1); });
