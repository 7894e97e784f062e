/**
 * Issue #7 (busy database): GET /api/repository/{issuer}/revocation-info under load while a
 * foreign process (python3's sqlite3) holds SQLite's write lock and an API client keeps
 * issuing (so the app always has a write waiting for the lock), vs the same load without
 * the lock and without writes (and, for information, without the lock while the client
 * issues: every commit then invalidates the cached document). Before lib/sqlite.ts waited asynchronously, the waiting write froze the whole
 * process (better-sqlite3's busy_timeout sleeps on the main thread).
 * The app is the product server (`tsx server.ts`); the load comes from autocannon in its
 * own process, 20 connections. Goal: p99 under 50 ms while the lock is held.
 * Run alone: npm run bench -- busy
 */
import path from "node:path";
import { holdWriteLock } from "../lib/test/holdLock";
import { ADMIN, fmt, goal, heading, loadFromChild, makeCsrs, migratedDataDir, releaseDb, removeTempDir, startApp, table, switchDataDir, type LoadResult } from "./lib";

const ISSUER = "busy-ca";
const CONNECTIONS = 20;
const SECONDS = 6;

export async function run(): Promise<void> {
  heading("busy — repository p50/p99 while another process holds the write lock (issue #7)");
  const { createIssuer } = await import("../lib/issuers/service");
  const { createFirstAdministrator } = await import("../lib/auth/users");
  const { createApiToken } = await import("../lib/auth/apiTokens");
  const dir = migratedDataDir("busy");
  await switchDataDir(dir);
  await createIssuer(ADMIN, { name: ISSUER, keyType: "ec-p256" });
  const admin = await createFirstAdministrator({ email: "bench@example.com", name: "Bench", password: "bench-password-0123456789" });
  const { token } = await createApiToken({ kind: "user", name: admin.email, role: "administrator", userId: admin.id }, { name: "bench", role: "operator" });
  await releaseDb();

  const app = await startApp(dir);
  try {
    const url = `${app.base}/api/repository/${ISSUER}/revocation-info`;
    const csrs = makeCsrs(200, "busy");
    let next = 0;
    // Cycled: an unlocked writer issues more than 200 in a run, and a CSR may be signed again.
    const issueOnce = async () => {
      const r = await fetch(`${app.base}/api/v1/certificates`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ issuer: ISSUER, csr: csrs[next++ % csrs.length] }),
      });
      await r.arrayBuffer();
      return r.status;
    };
    if ((await issueOnce()) !== 201) throw new Error("set-up: issuance failed");
    await loadFromChild({ url, connections: CONNECTIONS, duration: 2 }); // warm-up

    const rows: (string | number)[][] = [];
    const results: Record<string, LoadResult> = {};
    const conditions = [
      { label: "no lock, no writer", locked: false, writing: false },
      { label: "foreign process holds the write lock", locked: true, writing: true },
      { label: "no lock, writer committing (info)", locked: false, writing: true },
    ];
    for (const { label, locked, writing } of conditions) {
      const lock = locked ? await holdWriteLock(path.join(dir, "rootline.db"), SECONDS + 3) : null;
      // One writer: sequential issuance requests, so a write is always waiting for the lock
      // (without the lock, each commit also invalidates the cached document).
      let stop = !writing;
      const codes: Record<string, number> = {};
      const writer = (async () => {
        while (!stop) {
          const s = await issueOnce().catch(() => 0);
          codes[s] = (codes[s] ?? 0) + 1;
          if (s === 503) await new Promise((r) => setTimeout(r, 200));
        }
      })();
      const r = await loadFromChild({ url, connections: CONNECTIONS, duration: SECONDS });
      stop = true;
      if (lock) await lock.released;
      await writer;
      results[label] = r;
      rows.push([label, fmt(r.requestsPerSec), fmt(r.p50), fmt(r.p99), `${fmt(r.total)} (${Object.entries(r.statusCodes).map(([c, n]) => `${n} × ${c}`).join(", ")})`, Object.entries(codes).map(([c, n]) => `${n} × ${c}`).join(", ") || "-"]);
    }
    table(`GET revocation-info, ${CONNECTIONS} connections × ${SECONDS} s, the writer is one API client issuing sequentially`, ["condition", "req/s", "p50 ms", "p99 ms", "responses", "issuance statuses"], rows);
    const p99 = results["foreign process holds the write lock"].p99;
    table("goal (issue #7)", ["measure", "value", "goal", "status"], [goal("repository p99 while the lock is held", `${fmt(p99)} ms`, "< 50 ms", p99 < 50)]);
  } finally {
    await app.stop();
    removeTempDir(dir);
  }
}

if (require.main === module) run().catch((e) => { console.error(e); process.exit(1); });
