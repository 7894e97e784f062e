/**
 * Issue #10: CA generations. (1) Bytes per device poll: CA information in its JSON and DER
 * forms — the document, the HTTP response, and everything on the wire for one poll (a new
 * TLS connection, one GET, close; both directions, TCP payload). (2) The download server's
 * requests/s (`rootline lineage serve-downloads`, a child process in its own group)
 * against the repository's (GET revocation-info on the product server, as bench/repository.ts
 * measures it), in the same run, rounds alternating. The download server speaks TLS and the
 * repository plain HTTP (TLS, if any, sits in front of it): autocannon keeps connections
 * alive, so the handshake is paid once per connection, the records' crypto on every request.
 * Run alone: npm run bench -- generations
 */
import net from "node:net";
import path from "node:path";
import tls from "node:tls";
import { ADMIN, ROOT, fmt, freePort, heading, loadFromChild, median, migratedDataDir, nowMs, releaseDb, removeTempDir, spawnGroup, startApp, stopGroup, switchDataDir, table, type LoadResult } from "./lib";

const LINEAGE = "bench-fleet";
const CONNECTIONS = 50;
const ROUNDS = 3;
const SECONDS = 4;
const WARMUP_SECONDS = 2;
const FLOOR = "download server 404, no database read (https)";

/** One poll as a device makes it: new TLS connection trusting `caPem`, GET, read to close. */
function poll(port: number, pathname: string, caPem: string, accept?: string): Promise<{ status: number; response: number; body: number; wireIn: number; wireOut: number }> {
  return new Promise((resolve, reject) => {
    const raw = net.connect(port, "127.0.0.1", () => {
      const s = tls.connect({ socket: raw, ca: caPem, servername: undefined, checkServerIdentity: () => undefined }, () => {
        s.write(`GET ${pathname} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${accept ? `Accept: ${accept}\r\n` : ""}Connection: close\r\n\r\n`);
      });
      const chunks: Buffer[] = [];
      s.on("data", (d: Buffer) => chunks.push(d));
      s.on("error", reject);
      s.on("close", () => {
        const all = Buffer.concat(chunks);
        const split = all.indexOf("\r\n\r\n");
        resolve({ status: Number(all.subarray(9, 12).toString()), response: all.length, body: all.length - split - 4, wireIn: raw.bytesRead, wireOut: raw.bytesWritten });
      });
    });
    raw.on("error", reject);
  });
}

async function startDownloads(dataDir: string, port: number) {
  const child = spawnGroup(process.execPath, [path.join(ROOT, "bin/rootline.mjs"), "lineage", "serve-downloads", "--name", LINEAGE, "--port", String(port)], {
    cwd: ROOT,
    env: { ...process.env, ROOTLINE_DATA_DIR: dataDir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr!.on("data", (d) => (err = (err + d).slice(-4000)));
  const line = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("\n")) resolve(out.split("\n")[0]);
    });
    child.once("exit", (code) => reject(new Error(`serve-downloads exited ${code}: ${err}`)));
  });
  return { line, stop: () => stopGroup(child) };
}

export async function run(): Promise<void> {
  heading("generations — CA information bytes per device poll; download server vs repository req/s (issue #10)");
  const { createLineage, nextGeneration, caInfoOf } = await import("../lib/generations/lineage");
  const { caInfoJsonText, caInfoToJson } = await import("../lib/generations/caInfo");
  const { pemEncode } = await import("../lib/pki/pem");
  const { db } = await import("../lib/db");
  const dir = migratedDataDir("generations");
  await switchDataDir(dir);
  const dlPort = await freePort();
  await createLineage(ADMIN, { name: LINEAGE, keyType: "ec-p256", downloadUrlTemplate: `https://127.0.0.1:${dlPort}/ca-info/{n}` });
  await nextGeneration(ADMIN, LINEAGE);
  const info = await caInfoOf(LINEAGE, 2);
  const jsonText = caInfoJsonText(caInfoToJson(info));
  const ca1 = pemEncode("CERTIFICATE", (await db().issuer.findUniqueOrThrow({ where: { name: `${LINEAGE}-1` } })).certificateDer);
  await releaseDb();

  const downloads = await startDownloads(dir, dlPort);
  const app = await startApp(dir);
  try {
    console.log(`download server: ${downloads.line}`);
    const p = `/ca-info/2`;
    const polls = { json: await poll(dlPort, p, ca1), der: await poll(dlPort, `${p}?format=der`, ca1) };
    for (const [k, r] of Object.entries(polls)) if (r.status !== 200) throw new Error(`poll ${k}: HTTP ${r.status}`);
    if (polls.json.body !== Buffer.byteLength(jsonText) || polls.der.body !== info.der.length) throw new Error(`served sizes differ from the documents: ${polls.json.body}/${Buffer.byteLength(jsonText)}, ${polls.der.body}/${info.der.length}`);
    table(
      "bytes per device poll (CA information 2, ECDSA P-256 CA and distribution key; a poll = new TLS 1.3 connection trusting CA 1, one GET, close)",
      ["form", "document bytes", "HTTP response bytes", "wire bytes in", "wire bytes out", "wire total"],
      Object.entries(polls).map(([k, r]) => [k, r.body, r.response, r.wireIn, r.wireOut, r.wireIn + r.wireOut]),
    );
    console.log(`DER / JSON: document ${fmt((polls.der.body / polls.json.body) * 100)}%, wire ${fmt(((polls.der.wireIn + polls.der.wireOut) / (polls.json.wireIn + polls.json.wireOut)) * 100)}%; CA certificate inside: ${info.caCertDer.length} bytes`);

    const repoPath = `/api/repository/${LINEAGE}-1/revocation-info`;
    const check = await fetch(app.base + repoPath);
    if (check.status !== 200) throw new Error(`GET ${repoPath}: ${check.status}`);
    const repoBytes = (await check.arrayBuffer()).byteLength;
    const targets: Record<string, string> = {
      "repository revocation-info (http)": app.base + repoPath,
      "download server CA info JSON (https)": `https://127.0.0.1:${dlPort}${p}`,
      "download server CA info DER (https)": `https://127.0.0.1:${dlPort}${p}?format=der`,
      // Where the time goes: the same TLS listener and handler, answered before any database read.
      [FLOOR]: `https://127.0.0.1:${dlPort}/not-ca-info`,
    };
    const load = (url: string, seconds: number) => loadFromChild({ url, connections: CONNECTIONS, duration: seconds });
    for (const url of Object.values(targets)) await load(url, WARMUP_SECONDS);
    const results: Record<string, LoadResult[]> = Object.fromEntries(Object.keys(targets).map((k) => [k, []]));
    const t0 = nowMs();
    for (let r = 0; r < ROUNDS; r++) {
      const order = Object.keys(targets);
      if (r % 2) order.reverse();
      for (const k of order) results[k].push(await load(targets[k], SECONDS));
    }
    const rows: (string | number)[][] = [];
    for (const [k, rs] of Object.entries(results)) {
      const bad = rs.reduce((a, r) => a + r.errors + (k === FLOOR ? r.total - (r.statusCodes["404"] ?? 0) : r.non2xx), 0);
      if (bad) throw new Error(`${k}: ${bad} errors or non-2xx (${JSON.stringify(rs.map((r) => r.statusCodes))})`);
      rows.push([k, fmt(median(rs.map((r) => r.requestsPerSec))), rs.map((r) => fmt(r.requestsPerSec)).join(", "), fmt(median(rs.map((r) => r.p50))), fmt(median(rs.map((r) => r.p99))), fmt(rs.reduce((a, r) => a + r.total, 0))]);
    }
    table(`${CONNECTIONS} connections (kept alive), autocannon in its own process; ${ROUNDS} × ${SECONDS} s per target, order alternating; repository body ${repoBytes} bytes`, ["target", "median req/s", "rounds req/s", "p50 ms", "p99 ms", "responses"], rows);
    const rps = (k: string) => median(results[k].map((r) => r.requestsPerSec));
    const repo = rps("repository revocation-info (http)");
    table("ratios (same run)", ["ratio", "value"], [
      ["download server JSON / repository", `${fmt((rps("download server CA info JSON (https)") / repo) * 100)}%`],
      ["download server DER / repository", `${fmt((rps("download server CA info DER (https)") / repo) * 100)}%`],
      ["download server DER / its own 404 floor", `${fmt((rps("download server CA info DER (https)") / rps(FLOOR)) * 100)}%`],
    ]);
    console.log(`(${fmt((nowMs() - t0) / 1000)} s of load)`);
  } finally {
    await app.stop();
    await downloads.stop();
    removeTempDir(dir);
  }
}

if (require.main === module) run().catch((e) => { console.error(e); process.exit(1); });
