/**
 * Issue #2: ECDSA P-256 certificates from CSRs, certs/s.
 *   a. domain layer (requestFromCsr + issueCertificate, database write included):
 *      64 in flight (group commit), rounds of 1,000; and one at a time (one transaction each);
 *   b. POST /api/v1/certificates on the product server (`tsx server.ts`: lib/http/fastPath on
 *      node:http, bearer tokens cached 5 s; own process, own data dir), autocannon,
 *      64 connections, rounds of 1,000 distinct CSRs;
 *   c. reference, same run: `openssl x509 -req` in a shell loop over 200 of the same CSRs.
 * Run alone: npm run bench -- issuance
 */
import autocannon from "autocannon";
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { ADMIN, goal, heading, makeCsrs, median, migratedDataDir, nowMs, releaseDb, removeTempDir, startApp, table, tempDir, switchDataDir, fmt } from "./lib";

const ROUNDS = 5;
const PER_ROUND = 1_000;
const IN_FLIGHT = 64;
const WARMUP = 300;
const SEQUENTIAL = 300;
const SEQ_ROUNDS = 3;
const OPENSSL_CSRS = 200;
const OPENSSL_ROUNDS = 3;
const ISSUER = "bench-ca";

/** The domain layer in this process: requestFromCsr + issueCertificate, `inFlight` at a time. */
async function domainSetup() {
  const { createIssuer } = await import("../lib/issuers/service");
  const { issueCertificate, requestFromCsr } = await import("../lib/certificates");
  const dir = migratedDataDir("issuance-domain");
  await switchDataDir(dir);
  await createIssuer(ADMIN, { name: ISSUER, keyType: "ec-p256" });
  const oneCert = async (pem: string) => issueCertificate(ADMIN, ISSUER, await requestFromCsr({ csr: pem }));
  return {
    dir,
    /** ms for all of `pems`, `inFlight` concurrent requests (each awaits its own certificate). */
    async concurrent(pems: string[], inFlight: number) {
      let next = 0;
      const worker = async () => {
        while (next < pems.length) await oneCert(pems[next++]);
      };
      const t0 = nowMs();
      await Promise.all(Array.from({ length: inFlight }, worker));
      return nowMs() - t0;
    },
    async sequential(pems: string[]) {
      const t0 = nowMs();
      for (const pem of pems) await oneCert(pem);
      return nowMs() - t0;
    },
    async stored() {
      const { db } = await import("../lib/db");
      return db().certificate.count();
    },
  };
}

async function setUpApiDataDir(dir: string): Promise<string> {
  const { createFirstAdministrator } = await import("../lib/auth/users");
  const { createApiToken } = await import("../lib/auth/apiTokens");
  const { createIssuer } = await import("../lib/issuers/service");
  await switchDataDir(dir);
  const admin = await createFirstAdministrator({ email: "bench@example.com", name: "Bench", password: "bench-password-0123456789" });
  const { token } = await createApiToken({ kind: "user", name: admin.email, role: "administrator", userId: admin.id }, { name: "bench", role: "operator" });
  await createIssuer(ADMIN, { name: ISSUER, keyType: "ec-p256" });
  await releaseDb();
  return token;
}

/**
 * One round against POST /api/v1/certificates: `bodies.length` requests, IN_FLIGHT connections.
 * Timed from the start to the last response: with `amount`, autocannon itself notices the end
 * only on its next 1 s sampling tick, which would round every round up to whole seconds.
 */
function apiRound(base: string, token: string, bodies: string[]): Promise<{ ms: number; codes: Record<string, number>; p50: number; p99: number }> {
  let i = 0;
  let last = 0;
  const t0 = nowMs();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: base,
        connections: IN_FLIGHT,
        amount: bodies.length,
        timeout: 60,
        requests: [
          {
            method: "POST",
            path: "/api/v1/certificates",
            headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
            setupRequest: (req: Record<string, unknown>) => ({ ...req, body: bodies[i++ % bodies.length] }),
          },
        ],
      },
      (err, r) => {
        if (err) return reject(err);
        if (r.errors || r.timeouts) return reject(new Error(`api: ${r.errors} errors, ${r.timeouts} timeouts`));
        const codes: Record<string, number> = {};
        for (const [code, s] of Object.entries(r.statusCodeStats ?? {})) codes[code] = s.count;
        resolve({ ms: last - t0, codes, p50: r.latency.p50, p99: r.latency.p99 });
      },
    ) as { on(event: "response", cb: () => void): void };
    instance.on("response", () => (last = nowMs()));
  });
}

/** OpenSSL CA + CSR files in a temp dir; `round()` runs the shell loop once and returns ms. */
function opensslSetup(csrs: string[]) {
  const dir = tempDir("issuance-openssl");
  const sh = (cmd: string) => {
    const r = spawnSync("bash", ["-c", cmd], { cwd: dir, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
  };
  sh("openssl ecparam -name prime256v1 -genkey -noout -out ca.key && openssl req -x509 -new -key ca.key -sha256 -subj '/CN=Bench OpenSSL CA' -days 3650 -out ca.pem 2>/dev/null");
  csrs.forEach((pem, i) => fs.writeFileSync(path.join(dir, `csr${i}.pem`), pem));
  // One certificate kept and verified: OpenSSL really signs these CSRs.
  sh("openssl x509 -req -in csr0.pem -CA ca.pem -CAkey ca.key -set_serial 1 -days 396 -out check.pem 2>/dev/null && openssl verify -CAfile ca.pem check.pem >/dev/null");
  const loop = `for i in $(seq 0 ${csrs.length - 1}); do openssl x509 -req -in csr$i.pem -CA ca.pem -CAkey ca.key -set_serial $((i+1000)) -days 396 -out /dev/null 2>/dev/null || exit 1; done`;
  return {
    round() {
      const t0 = nowMs();
      sh(loop);
      return nowMs() - t0;
    },
    cleanup: () => removeTempDir(dir),
  };
}

export async function run(): Promise<void> {
  heading("issuance — ECDSA P-256 certificates from CSRs (issue #2)");
  const need = WARMUP + ROUNDS * PER_ROUND + SEQ_ROUNDS * SEQUENTIAL;
  const t0 = nowMs();
  const csrs = makeCsrs(need);
  console.log(`${fmt(need)} distinct P-256 CSRs generated in ${fmt(nowMs() - t0)} ms (not timed below). ${IN_FLIGHT} in flight, ${ROUNDS} rounds × ${fmt(PER_ROUND)} certs; domain, API and OpenSSL rounds alternate.`);
  let cursor = 0;
  const take = (n: number) => {
    const slice = csrs.slice(cursor, cursor + n);
    cursor = (cursor + n) % csrs.length;
    return slice;
  };
  const body = (csr: string) => JSON.stringify({ issuer: ISSUER, csr });

  // The app first (its own data dir, set up from here), then the domain layer's data dir.
  const apiDir = migratedDataDir("issuance-api");
  const token = await setUpApiDataDir(apiDir);
  const app = await startApp(apiDir);
  const ossl = opensslSetup(csrs.slice(0, OPENSSL_CSRS));
  let domain: Awaited<ReturnType<typeof domainSetup>> | undefined;
  try {
    domain = await domainSetup();
    // Sanity check of one API response, then warm-ups (route module load, JIT, signer caches).
    const probe = await fetch(`${app.base}/api/v1/certificates`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: body(csrs[0]) });
    const probeBody = (await probe.json()) as { pem?: string };
    if (probe.status !== 201 || !probeBody.pem) throw new Error(`api: POST /api/v1/certificates answered ${probe.status}: ${JSON.stringify(probeBody).slice(0, 300)}`);
    const warm = take(WARMUP);
    await domain.concurrent(warm, IN_FLIGHT);
    await apiRound(app.base, token, warm.map(body));

    const rates = { domain: [] as number[], api: [] as number[], openssl: [] as number[], sequential: [] as number[] };
    const codes: Record<string, number> = {};
    const latency = { p50: [] as number[], p99: [] as number[] };
    const http = async (pems: string[]) => {
      const res = await apiRound(app.base, token, pems.map(body));
      for (const [c, n] of Object.entries(res.codes)) codes[c] = (codes[c] ?? 0) + n;
      rates.api.push(PER_ROUND / (res.ms / 1000));
      latency.p50.push(res.p50);
      latency.p99.push(res.p99);
    };
    for (let r = 0; r < ROUNDS; r++) {
      const pems = take(PER_ROUND);
      const steps: (() => Promise<void>)[] = [
        async () => void rates.domain.push(PER_ROUND / ((await domain!.concurrent(pems, IN_FLIGHT)) / 1000)),
        () => http(pems),
      ];
      if (r % 2) steps.reverse();
      for (const step of steps) await step();
      if (r < OPENSSL_ROUNDS) rates.openssl.push(OPENSSL_CSRS / (ossl.round() / 1000));
      if (r < SEQ_ROUNDS) rates.sequential.push(SEQUENTIAL / ((await domain.sequential(take(SEQUENTIAL))) / 1000));
    }
    const bad = Object.keys(codes).filter((c) => c !== "201");
    if (bad.length) throw new Error(`api: unexpected statuses ${JSON.stringify(codes)}\n${app.log().slice(-3000)}`);
    const stored = await domain.stored();
    const expected = WARMUP + ROUNDS * PER_ROUND + SEQ_ROUNDS * SEQUENTIAL;
    if (stored !== expected) throw new Error(`domain: ${stored} certificates stored, expected ${expected}`);

    const d = median(rates.domain);
    const s = median(rates.sequential);
    const a = median(rates.api);
    const o = median(rates.openssl);
    const list = (xs: number[]) => xs.map((x) => fmt(x)).join(", ");
    const lat = `${fmt(median(latency.p50))} / ${fmt(median(latency.p99))}`;
    table("certs/s (median of rounds)", ["path", "median certs/s", "rounds (certs/s each)", "p50 / p99 ms"], [
      [`a. domain: requestFromCsr + issueCertificate, ${IN_FLIGHT} in flight`, fmt(d), list(rates.domain), ""],
      [`a. domain: one at a time (one transaction each), ${SEQUENTIAL}/round`, fmt(s), list(rates.sequential), ""],
      [`b. POST /api/v1/certificates, ${IN_FLIGHT} connections (autocannon)`, fmt(a), list(rates.api), lat],
      [`c. openssl x509 -req, shell loop over ${OPENSSL_CSRS} CSRs`, fmt(o), list(rates.openssl), ""],
    ]);
    console.log(`(domain: ${fmt(stored)} certificates stored and counted; HTTP statuses ${JSON.stringify(codes)})`);
    table("goals (issue #2)", ["ratio", "value", "goal", "status"], [
      goal("domain / openssl", `${fmt(d / o, 1)}×`, "≥ 20×", d / o >= 20),
      goal("API / domain", fmt(a / d, 2), "≥ 0.50 (API within 2× of domain)", a / d >= 0.5),
      ["domain 64-in-flight / one-at-a-time", `${fmt(d / s, 1)}×`, "(group commit gain, info)", ""],
    ]);
  } finally {
    await releaseDb();
    if (domain) removeTempDir(domain.dir);
    ossl.cleanup();
    await app.stop();
    removeTempDir(apiDir);
  }
}

if (require.main === module) run().catch((e) => { console.error(e); process.exit(1); });
