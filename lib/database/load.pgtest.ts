import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAuditLog } from "../audit/log";
import { createApiToken } from "../auth/apiTokens";
import { createFirstAdministrator } from "../auth/users";
import { db } from "../db";
import { createIssuer } from "../issuers/service";
import { startRevocation } from "../revocation/prefix";
import { runSweep } from "../revocation/sweep";
import { makeCsr } from "../test/csr";
import { startFastPathServer, type FastPathProcess } from "../test/fastPathProcess";

/**
 * Load proof (issue 14): two app instances (lib/test/fastPathServer.ts: the app's own
 * handlers for POST /api/v1/certificates and the repository) on one PostgreSQL database.
 * API clients issue concurrently through both; meanwhile this process revokes (raise-first:
 * the RN moves at once) and sweeps, against the same database, while devices poll both
 * instances' revocation information. Then: serials unique, contiguous and increasing per
 * client; the RN never lowered on any device; one audit entry per certificate and none lost
 * (seqs gap-free, counted); the chain verifies; and every device saw the new RN from both
 * instances within one second of the commit. Budget: ≤ 40 s.
 */
const ISSUER = "load-ca";
const CLIENTS_PER_INSTANCE = 4;
const CERTS_PER_CLIENT = 20;
const DEVICES_PER_INSTANCE = 3;
const POLL_MS = 20;
const op = { kind: "cli", name: "load-test", role: "administrator" } as const;

let servers: FastPathProcess[] = [];
let token = "";
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function request(port: number, method: string, path: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { Authorization: `Bearer ${token}` };
    if (body) Object.assign(headers, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
    const req = http.request({ host: "127.0.0.1", port, method, path, agent, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.setTimeout(15_000, () => req.destroy(new Error(`${method} ${path} hung`)));
    req.on("error", reject);
    req.end(body);
  });
}

describe("two app instances on one PostgreSQL under load", () => {
  beforeAll(async () => {
    const admin = await createFirstAdministrator({ email: "admin@example.com", password: "correct horse battery" });
    await createIssuer(op, { name: ISSUER, keyType: "ec-p256" });
    token = (await createApiToken({ kind: "user", name: admin.email, role: "administrator", userId: admin.id }, { name: "load", role: "operator" })).token;
    // Both instances on this file's database (DATABASE_URL from lib/test/pgSetup.ts), sweeps off: this test sweeps.
    servers = await Promise.all([0, 1].map(() => startFastPathServer({ env: { ROOTLINE_SWEEP_INTERVAL_MINUTES: "0" } })));
  }, 30_000);

  afterAll(async () => {
    agent.destroy();
    await Promise.all(servers.map((s) => s.stop()));
  });

  it("keeps serials, the RN, the audit chain and the caches right across instances", async () => {
    const t0 = Date.now();
    const csrs = await Promise.all(Array.from({ length: 2 * CLIENTS_PER_INSTANCE * CERTS_PER_CLIENT }, (_, i) => makeCsr(`d${i}.load.example`)));
    const auditBefore = await db().auditEvent.count();

    // Devices: poll both instances' RN document until told to stop.
    const seen: { instance: number; rns: { at: number; rn: bigint }[] }[] = [];
    let polling = true;
    const devices = servers.flatMap((s, instance) =>
      Array.from({ length: DEVICES_PER_INSTANCE }, async () => {
        const log = { instance, rns: [] as { at: number; rn: bigint }[] };
        seen.push(log);
        while (polling) {
          const r = await request(s.port, "GET", `/api/repository/${ISSUER}/revocation-info`);
          expect(r.status).toBe(200);
          log.rns.push({ at: Date.now(), rn: BigInt(JSON.parse(r.body).revocationNumber) });
          await new Promise((res) => setTimeout(res, POLL_MS));
        }
      }),
    );

    // API clients: sequential requests each, all at once through both instances.
    const issued: { client: number; serials: bigint[] }[] = [];
    const clients = servers.flatMap((s, instance) =>
      Array.from({ length: CLIENTS_PER_INSTANCE }, async (_, k) => {
        const mine = { client: instance * CLIENTS_PER_INSTANCE + k, serials: [] as bigint[] };
        issued.push(mine);
        for (let i = 0; i < CERTS_PER_CLIENT; i++) {
          const r = await request(s.port, "POST", "/api/v1/certificates", JSON.stringify({ issuer: ISSUER, csr: csrs.pop()!.pem }));
          expect(r.status, r.body).toBe(201);
          mine.serials.push(BigInt(JSON.parse(r.body).serial));
        }
      }),
    );

    // Meanwhile, once some certificates exist: a revocation (raise-first: the RN moves in its
    // transaction) and a sweep, from this process, against the same database.
    const revoked = (async () => {
      let serial = 0n;
      while (serial < 5n) {
        await new Promise((r) => setTimeout(r, 20));
        serial = (await db().issuer.findUniqueOrThrow({ where: { name: ISSUER }, select: { nextSerial: true } })).nextSerial - 1n;
      }
      await startRevocation(op, { issuer: ISSUER, serial, reason: "keyCompromise", order: "raise-first" });
      const committedAt = Date.now(); // the commit happened before this returned
      await runSweep({ issuer: ISSUER });
      return { serial, rn: serial + 1n, committedAt };
    })();

    await Promise.all(clients);
    const revocation = await revoked;
    // Every device must see the new RN; give them up to 2 s (the assertion below is 1 s).
    const deadline = Date.now() + 2000;
    while (Date.now() < deadline && !seen.every((d) => d.rns.some((x) => x.rn >= revocation.rn))) await new Promise((r) => setTimeout(r, POLL_MS));
    polling = false;
    await Promise.all(devices);

    // Serials: unique, increasing per client, and exactly 1..N in the database.
    const all = issued.flatMap((c) => c.serials);
    expect(all).toHaveLength(2 * CLIENTS_PER_INSTANCE * CERTS_PER_CLIENT);
    expect(new Set(all).size).toBe(all.length);
    for (const c of issued) for (let i = 1; i < c.serials.length; i++) expect(c.serials[i]).toBeGreaterThan(c.serials[i - 1]);
    const stored = (await db().certificate.findMany({ where: { issuer: { name: ISSUER } }, select: { serial: true }, orderBy: { serial: "asc" } })).map((c) => c.serial);
    expect(stored).toEqual(stored.map((_, i) => BigInt(i + 1)));
    expect(stored.length).toBe(all.length);

    // The RN: never lowered on any device, and where the revocation put it.
    const issuer = await db().issuer.findUniqueOrThrow({ where: { name: ISSUER }, select: { revocationNumber: true, nextSerial: true } });
    expect(issuer.revocationNumber).toBe(revocation.rn);
    expect(issuer.nextSerial).toBe(BigInt(all.length + 1));
    for (const d of seen) for (let i = 1; i < d.rns.length; i++) expect(d.rns[i].rn).toBeGreaterThanOrEqual(d.rns[i - 1].rn);

    // Audit: one certificate.issue per certificate, the revocation's events, nothing lost, seqs gap-free; the chain verifies.
    const actions = await db().auditEvent.groupBy({ by: ["action"], _count: true });
    const count = (a: string) => actions.find((x) => x.action === a)?._count ?? 0;
    expect(count("certificate.issue")).toBe(all.length);
    expect(count("revocation.start")).toBe(1);
    expect(count("revocation-number.change")).toBe(1);
    const total = await db().auditEvent.count();
    const max = (await db().auditEvent.aggregate({ _max: { seq: true } }))._max.seq;
    expect(max).toBe(total);
    expect(total - auditBefore).toBeGreaterThanOrEqual(all.length + 2);
    const verdict = await verifyAuditLog(db());
    expect(verdict).toMatchObject({ ok: true, count: total });

    // Every device saw the new RN from its instance within one second of the commit.
    const lags = seen.map((d) => Math.max(0, d.rns.find((x) => x.rn >= revocation.rn)!.at - revocation.committedAt));
    const perInstance = [0, 1].map((i) => Math.max(...lags.filter((_, k) => seen[k].instance === i)));
    console.log(
      `load proof: ${all.length} certificates through 2 instances, serial ${revocation.serial} revoked (RN ${revocation.rn}), ${total} audit entries verified; ` +
        `devices saw the new RN after max ${perInstance[0]} ms (instance 1) / ${perInstance[1]} ms (instance 2); ${seen.reduce((n, d) => n + d.rns.length, 0)} polls; ${Date.now() - t0} ms`,
    );
    for (const lag of lags) expect(lag).toBeLessThan(1000);
  }, 40_000);
});
