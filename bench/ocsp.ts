/**
 * Issue 13: OCSP responses/s at /ocsp/{issuer} compared with the repository's revocation
 * information (GET /api/repository/{issuer}/revocation-info, the RN document), in the same
 * run and the same server: lib/test/fastPathServer.ts, which answers both through
 * lib/http/fastPath.ts exactly as server.ts does (OCSP and the repository never reach Next,
 * so no `next build` is needed). Four targets, rotating per round:
 *   - OCSP GET without a nonce (RFC 5019 style): the pre-signed answer from the cache;
 *   - OCSP GET with a nonce: parsed and signed afresh for every request (ECDSA P-256);
 *   - OCSP POST without a nonce (as openssl sends it): cached, body read on node:http;
 *   - the revocation information (JSON), the cached repository document.
 * Before the load, the per-answer cost on the event loop is measured in-process (µs).
 * Load from autocannon in its own process, 50 connections, loopback.
 * Run alone: npm run bench -- ocsp
 */
import crypto from "node:crypto";
import path from "node:path";
import { ADMIN, ROOT, fmt, heading, loadFromChild, loadRows, makeCsrs, median, migratedDataDir, nowMs, releaseDb, removeTempDir, rotatedRounds, spawnGroup, stopGroup, switchDataDir, table } from "./lib";

const ISSUER = "ocsp-ca";
const CONNECTIONS = 50;
const ROUNDS = 3;
const SECONDS = 4;
const WARMUP_SECONDS = 2;

async function startServer(dir: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, ROOTLINE_DATA_DIR: dir };
  delete env.DATABASE_URL;
  const child = spawnGroup(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), "lib/test/fastPathServer.ts"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /^listening (\d+)$/m.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once("exit", (code) => reject(new Error(`fastPathServer exited ${code}`)));
  });
  return { base: `http://127.0.0.1:${port}`, stop: () => stopGroup(child) };
}

/** µs per call of `fn`, median of 5 batches. */
async function perCall(n: number, fn: () => unknown | Promise<unknown>): Promise<number> {
  const batches: number[] = [];
  for (let b = 0; b < 5; b++) {
    const t0 = nowMs();
    for (let i = 0; i < n; i++) await fn();
    batches.push(((nowMs() - t0) * 1000) / n);
  }
  return median(batches);
}

export async function run(): Promise<void> {
  heading("ocsp — OCSP responses/s vs the repository's revocation information (issue 13)");
  const { createIssuer } = await import("../lib/issuers/service");
  const { issueCertificate } = await import("../lib/certificates/issue");
  const { requestFromCsr } = await import("../lib/certificates/request");
  const { db } = await import("../lib/db");
  const { answerOcsp } = await import("../lib/ocsp/responder");
  const { parseOcspRequest } = await import("../lib/ocsp/request");
  const { ocspRequestDer, readOcspResponse } = await import("../lib/test/ocsp");
  const dir = migratedDataDir("ocsp");
  await switchDataDir(dir);
  await createIssuer(ADMIN, { name: ISSUER, keyType: "ec-p256" });
  const cert = await issueCertificate(ADMIN, ISSUER, await requestFromCsr({ csr: makeCsrs(1, "ocsp")[0] }));
  const caDer = (await db().issuer.findUniqueOrThrow({ where: { name: ISSUER } })).certificateDer;
  const plain = ocspRequestDer(caDer, cert.serial);
  const withNonce = ocspRequestDer(caDer, cert.serial, { nonce: crypto.randomBytes(16) });

  // In-process: what one answer costs the event loop.
  await answerOcsp(ISSUER, plain);
  const micro = {
    hit: await perCall(20_000, () => answerOcsp(ISSUER, plain)),
    parse: await perCall(2_000, () => parseOcspRequest(withNonce)),
    nonce: await perCall(2_000, () => answerOcsp(ISSUER, withNonce)),
  };
  table("per answer, in-process (median of 5 batches)", ["step", "µs"], [
    ["cached answer (no nonce): token check + Map lookup", fmt(micro.hit, 1)],
    ["parse an OCSPRequest (lib/pki/der.ts reader)", fmt(micro.parse, 1)],
    ["nonce answer: parse, status (cached), DER, ECDSA P-256 signature", fmt(micro.nonce, 1)],
  ]);
  await releaseDb();

  const server = await startServer(dir);
  try {
    const enc = (der: Buffer) => encodeURIComponent(der.toString("base64"));
    const targets = {
      "OCSP GET, no nonce (cached)": `${server.base}/ocsp/${ISSUER}/${enc(plain)}`,
      "OCSP GET, nonce (signed per request)": `${server.base}/ocsp/${ISSUER}/${enc(withNonce)}`,
      "OCSP POST, no nonce (cached)": `${server.base}/ocsp/${ISSUER}`,
      "revocation-info (RN document)": `${server.base}/api/repository/${ISSUER}/revocation-info`,
    };
    // The POST target sends the plain request as openssl does.
    const post = { method: "POST", headers: { "content-type": "application/ocsp-request" }, body: plain.toString("base64") };
    const isPost = (k: string) => k.startsWith("OCSP POST");
    for (const [k, url] of Object.entries(targets)) {
      const r = await fetch(url, isPost(k) ? { method: "POST", headers: post.headers, body: new Uint8Array(plain) } : undefined);
      const body = new Uint8Array(await r.arrayBuffer());
      if (r.status !== 200) throw new Error(`${k}: HTTP ${r.status}`);
      if (k.startsWith("OCSP") && readOcspResponse(body).singles[0]?.status !== "good") throw new Error(`${k}: not a good OCSP answer`);
      console.log(`${k}: ${body.length} bytes`);
    }
    const load = (k: string, seconds: number) => loadFromChild({ url: targets[k as keyof typeof targets], connections: CONNECTIONS, duration: seconds, ...(isPost(k) ? post : {}) });
    const keys = Object.keys(targets) as (keyof typeof targets)[];
    const t0 = nowMs();
    const results = await rotatedRounds(keys, load, { rounds: ROUNDS, seconds: SECONDS, warmupSeconds: WARMUP_SECONDS });
    const rows = loadRows(results);
    table(`${CONNECTIONS} connections, autocannon in its own process; ${ROUNDS} × ${SECONDS} s per target, rotating`, ["target", "median req/s", "rounds req/s", "p50 ms", "p99 ms"], rows);
    const rps = (k: keyof typeof targets) => median(results[k].map((r) => r.requestsPerSec));
    const info = rps("revocation-info (RN document)");
    table("ratios (same run, same server)", ["ratio", "value"], [
      ["OCSP cached / revocation-info", `${fmt((rps("OCSP GET, no nonce (cached)") / info) * 100)}%`],
      ["OCSP nonce / revocation-info", `${fmt((rps("OCSP GET, nonce (signed per request)") / info) * 100)}%`],
      ["OCSP POST cached / revocation-info", `${fmt((rps("OCSP POST, no nonce (cached)") / info) * 100)}%`],
    ]);
    console.log(`(${fmt((nowMs() - t0) / 1000)} s of load)`);
  } finally {
    await server.stop();
    removeTempDir(dir);
  }
}

if (require.main === module) run().catch((e) => { console.error(e); process.exit(1); });
