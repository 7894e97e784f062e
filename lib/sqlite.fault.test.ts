import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAuditLog } from "./audit";
import { createApiToken } from "./auth/apiTokens";
import { createFirstAdministrator } from "./auth/users";
import { databaseFile } from "./config";
import { closeDb, db } from "./db";
import { createIssuer } from "./issuers/service";
import { makeCsr } from "./test/csr";
import { holdWriteLock } from "./test/holdLock";

/**
 * Fault test with real processes: the app's request path (lib/http/fastPath, as server.ts
 * serves it) in its own process, a foreign process (python3's sqlite3) holding SQLite's
 * write lock for 17 s, devices polling the repository and API clients issuing meanwhile.
 * The repository keeps answering from cache (p99 < 50 ms), issuance answers 201 or a
 * retryable 503 with Retry-After (never a 500, never a hang), resumes when the lock is
 * released, and nothing is lost: serials contiguous, one audit entry per certificate.
 * The server uses the default busy deadline (10 s), so requests during the lock see 503s
 * and requests that reach the lock's release succeed.
 */
const LOCK_SECONDS = 17;
const ISSUER = "fault-ca";
const POLLERS = 4;
const CLIENTS = 4;
const MAX_REQUEST_MS = 2 * 10_000 + 3_000; // a request may wait for one failed group commit, then its own

let server: ChildProcess;
let base = "";
let token = "";
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function request(method: string, url: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(base + url, { method, agent, headers: body ? { ...headers, "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) } : headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, ms: performance.now() - t0 }));
    });
    req.setTimeout(MAX_REQUEST_MS, () => req.destroy(new Error(`${method} ${url} hung for ${MAX_REQUEST_MS} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}

const p = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

describe("a foreign process holding SQLite's write lock for 17 s", () => {
  beforeAll(async () => {
    const admin = await createFirstAdministrator({ email: "admin@example.com", password: "correct horse battery" });
    await createIssuer({ kind: "cli", name: "test", role: "administrator" }, { name: ISSUER, keyType: "ec-p256" });
    token = (await createApiToken({ kind: "user", name: admin.email, role: "administrator", userId: admin.id }, { name: "fault", role: "operator" })).token;
    await closeDb();
    server = spawn(process.execPath, [path.join(process.cwd(), "node_modules/tsx/dist/cli.mjs"), "lib/test/fastPathServer.ts"], {
      env: { ...process.env, ROOTLINE_DB_BUSY_DEADLINE_MS: "" },
      stdio: ["ignore", "pipe", "inherit"],
      detached: true,
    });
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      server.stdout!.on("data", (d) => {
        out += d;
        const m = /listening (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      server.once("exit", (code) => reject(new Error(`server exited ${code}`)));
    });
    base = `http://127.0.0.1:${port}`;
  }, 30_000);

  afterAll(async () => {
    agent.destroy();
    if (server?.pid && server.exitCode === null) process.kill(-server.pid, "SIGKILL");
    await closeDb();
  });

  it("keeps the repository answering, never hangs or 500s issuance, resumes after release and loses nothing", async () => {
    const csrs = await Promise.all(Array.from({ length: 60 }, (_, i) => makeCsr(`dev-${i}.fault.example`).then((c) => c.pem)));
    const issue = () => request("POST", "/api/v1/certificates", JSON.stringify({ issuer: ISSUER, csr: csrs.pop() }), { Authorization: `Bearer ${token}` });
    const repo = `/api/repository/${ISSUER}/revocation-info`;

    // Warm: the document is cached, issuance and health work.
    expect((await request("GET", repo)).status).toBe(200);
    expect((await issue()).status).toBe(201);
    expect((await request("GET", repo)).status).toBe(200);
    expect((await request("GET", "/api/health")).status).toBe(200);

    // Devices: sequential polls on keep-alive connections until `until`.
    const poll = async (polls: { status: number; ms: number }[], until: number) => {
      while (Date.now() < until) {
        const r = await request("GET", repo);
        polls.push({ status: r.status, ms: r.ms });
        await new Promise((res) => setTimeout(res, 5));
      }
    };
    // Baseline without the lock: this machine may be shared, so the goal allows for its noise.
    const baseline: { status: number; ms: number }[] = [];
    const baselineUntil = Date.now() + 2000;
    await Promise.all(Array.from({ length: POLLERS }, () => poll(baseline, baselineUntil)));

    const lock = await holdWriteLock(databaseFile(), LOCK_SECONDS);
    let releasedAt = Infinity;
    void lock.released.then(() => (releasedAt = Date.now()));
    const lockedUntil = lock.heldAt + LOCK_SECONDS * 1000;
    const polls: { status: number; ms: number }[] = [];
    const poller = () => poll(polls, lockedUntil - 500);
    // API clients: issue, back off on 503, keep going until each got a certificate after the release.
    const outcomes: { status: number; ms: number; start: number; end: number; retryAfter?: string; body: string }[] = [];
    const client = async () => {
      let okAfterRelease = 0;
      while (okAfterRelease < 3) {
        const start = Date.now();
        const r = await issue();
        outcomes.push({ status: r.status, ms: r.ms, start, end: Date.now(), retryAfter: r.headers["retry-after"] as string | undefined, body: r.body });
        if (r.status === 201 && Date.now() > releasedAt) okAfterRelease++;
        else if (r.status === 503) await new Promise((res) => setTimeout(res, 500));
        else if (r.status !== 201) return; // anything else fails the test below
      }
    };
    // Health: polled every 500 ms.
    const health: { at: number; status: number; body: string }[] = [];
    const healthPoller = async () => {
      while (releasedAt === Infinity || health.filter((h) => h.at > releasedAt + 1500).length < 1) {
        const r = await request("GET", "/api/health");
        health.push({ at: Date.now(), status: r.status, body: r.body });
        await new Promise((res) => setTimeout(res, 500));
      }
    };
    await Promise.all([...Array.from({ length: POLLERS }, poller), ...Array.from({ length: CLIENTS }, client), healthPoller(), lock.released]);

    // The repository kept answering from cache while the lock was held.
    const latencies = polls.map((x) => x.ms);
    const base99 = p(baseline.map((x) => x.ms), 0.99);
    console.log(`repository without the lock: ${baseline.length} polls, p50 ${p(baseline.map((x) => x.ms), 0.5).toFixed(2)} ms, p99 ${base99.toFixed(2)} ms`);
    console.log(`repository during the lock: ${polls.length} polls, p50 ${p(latencies, 0.5).toFixed(2)} ms, p99 ${p(latencies, 0.99).toFixed(2)} ms, max ${Math.max(...latencies).toFixed(1)} ms`);
    expect(polls.every((x) => x.status === 200)).toBe(true);
    expect(polls.length).toBeGreaterThan(500);
    // Goal: p99 < 50 ms; on a loaded machine, no worse than 3× the same run's baseline.
    // (Before the fix, a write waiting for the lock froze the process: p99 was seconds.)
    expect(p(latencies, 0.99)).toBeLessThan(Math.max(50, 3 * base99));

    // Issuance: 201 or a retryable 503 with Retry-After; never 500, never a hang.
    const statuses = outcomes.map((o) => o.status);
    console.log(`issuance: ${outcomes.length} requests, ${statuses.filter((s) => s === 201).length} × 201, ${statuses.filter((s) => s === 503).length} × 503, longest ${Math.max(...outcomes.map((o) => o.ms)).toFixed(0)} ms`);
    expect(outcomes.filter((o) => o.status !== 201 && o.status !== 503)).toEqual([]);
    const busy = outcomes.filter((o) => o.status === 503);
    expect(busy.length).toBeGreaterThan(0); // requests during the first 7 s of the lock hit the deadline
    for (const o of busy) {
      expect(o.retryAfter).toMatch(/^\d+$/);
      expect(JSON.parse(o.body)).toMatchObject({ field: "database", error: expect.stringContaining("busy") });
    }
    // Resumed: certificates issued after the release, the first promptly.
    const after = outcomes.filter((o) => o.status === 201 && o.end >= releasedAt);
    expect(after.length).toBeGreaterThanOrEqual(CLIENTS * 3);
    expect(Math.min(...after.map((o) => o.end)) - releasedAt).toBeLessThan(2000);
    // Nothing issued while the foreign process held the lock. It holds it for LOCK_SECONDS from
    // before `heldAt` was taken; its exit (releasedAt) is seen later, so that bound is the sure one.
    expect(outcomes.filter((o) => o.status === 201 && o.end > lock.heldAt && o.end < lockedUntil)).toEqual([]);

    // Health said "cannot write" during the lock and recovered after it.
    const during = health.filter((h) => h.at > lock.heldAt + 2000 && h.at < lockedUntil - 500);
    expect(during.length).toBeGreaterThan(0);
    for (const h of during) expect(h).toMatchObject({ status: 503, body: expect.stringContaining('"db":"busy"') });
    expect(health.at(-1)).toMatchObject({ status: 200 });

    // Nothing lost: contiguous serials, one audit entry per certificate, an intact chain.
    const issued = outcomes.filter((o) => o.status === 201).length + 1; // + the warm-up certificate
    const issuer = await db().issuer.findUniqueOrThrow({ where: { name: ISSUER } });
    const certs = await db().certificate.findMany({ where: { issuerId: issuer.id }, select: { id: true, serial: true }, orderBy: { serial: "asc" } });
    expect(certs.length).toBe(issued);
    certs.forEach((c, i) => expect(c.serial).toBe(certs[0].serial + BigInt(i)));
    expect(issuer.nextSerial).toBe(certs.at(-1)!.serial + 1n);
    const audited = await db().auditEvent.count({ where: { action: "certificate.issue", targetId: { in: certs.map((c) => c.id) } } });
    expect(audited).toBe(certs.length);
    expect(await verifyAuditLog(db())).toMatchObject({ ok: true });
  }, 60_000);
});
