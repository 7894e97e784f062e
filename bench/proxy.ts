/**
 * Issue 11: the CA proxy, proxied versus direct in the same run.
 *   - new TLS connections/s: each connection is a full handshake (no resumption) plus one
 *     1-byte request/reply; several concurrent clients; rounds alternate direct/proxied;
 *   - added latency per connection: the same, one at a time, p50 and p99;
 *   - bulk MB/s on one long connection (the upstream sends, the client reads).
 * The upstream is a node:tls server in its own process that requires a client certificate
 * (like `openssl s_server -Verify 1`); the proxy is `rootline proxy --config` (its own
 * process) with two routes: plain TCP from the client, and TLS from the client
 * (--client-tls, the client presents no certificate). Direct clients present a client
 * certificate (the upstream requires one); through the proxy, the proxy presents its own.
 * Goals: proxied ≥ 50% of the direct connection rate, ≥ 80% of direct throughput.
 * Run alone: npm run bench -- proxy
 */
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import tls from "node:tls";
import type { ChildProcess } from "node:child_process";
import { ADMIN, fmt, goal, heading, median, migratedDataDir, nowMs, releaseDb, ROOT, spawnGroup, stopGroup, switchDataDir, table, tempDir } from "./lib";

const ISSUER = "proxy-bench-ca";
const ROUNDS = 3;
const RATE_SECONDS = 3;
const CONCURRENCY = 8;
const LATENCY_CONNECTIONS = 200;
const BULK_BYTES = 256 * 2 ** 20;

/** The upstream: requires a client certificate; "p" → "P"; "b" → BULK bytes then end. */
const UPSTREAM = `
const tls = require("node:tls"), fs = require("node:fs");
const [cert, key, ca, bulk] = process.argv.slice(1);
const chunk = Buffer.alloc(64 * 1024, 120);
const server = tls.createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key), ca: fs.readFileSync(ca), requestCert: true, rejectUnauthorized: true }, (s) => {
  s.on("error", () => {});
  s.once("data", (d) => {
    if (d[0] === 112) return void s.end("P");
    let left = Number(bulk);
    const pump = () => { while (left > 0) { left -= chunk.length; if (!s.write(chunk)) return void s.once("drain", pump); } s.end(); };
    pump();
  });
});
server.on("tlsClientError", () => {});
server.listen(0, "127.0.0.1", () => console.log("listening " + server.address().port));
`;

async function issue(dir: string, name: string, cn: string, profile: string, sans?: string[]) {
  const { issueCertificate } = await import("../lib/certificates/issue");
  const { requestFromCsr } = await import("../lib/certificates/request");
  const { makeCsr } = await import("../lib/test/csr");
  const { pemEncode } = await import("../lib/pki/pem");
  const csr = await makeCsr(cn);
  const cert = await issueCertificate(ADMIN, ISSUER, await requestFromCsr({ csr: csr.pem, profile, sans }));
  const certFile = path.join(dir, `${name}.pem`);
  const keyFile = path.join(dir, `${name}.key`);
  fs.writeFileSync(certFile, pemEncode("CERTIFICATE", cert.der));
  fs.writeFileSync(keyFile, pemEncode("PRIVATE KEY", new Uint8Array(await crypto.subtle.exportKey("pkcs8", csr.keys.privateKey))));
  return { cert: fs.readFileSync(certFile, "utf8"), key: fs.readFileSync(keyFile, "utf8"), certFile, keyFile };
}

function waitLine(c: ChildProcess, re: RegExp, stream: "stdout" | "stderr", ms = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = "";
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${re} (${buf.slice(-500)})`)), ms);
    c[stream]!.on("data", (d) => {
      buf += d;
      if (re.test(buf)) {
        clearTimeout(t);
        resolve(buf);
      }
    });
    c.once("exit", (code) => reject(new Error(`exited ${code}: ${buf.slice(-1000)}`)));
  });
}

/** User + system CPU of a process in ms (Linux /proc; clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // fields from the 3rd on: utime is the 14th
  return (Number(f[11]) + Number(f[12])) * 10;
}

type Target = { name: string; port: number; tls: boolean; cert?: string; key?: string };

/** One connection: connect (+ full TLS handshake when tls), send "p", wait for "P". Returns ms. */
function once(t: Target): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = nowMs();
    const s: net.Socket = t.tls
      ? tls.connect({ host: "127.0.0.1", port: t.port, rejectUnauthorized: false, cert: t.cert, key: t.key, servername: "upstream.bench" }, () => s.write("p"))
      : net.connect({ host: "127.0.0.1", port: t.port }, () => s.write("p"));
    s.once("data", () => {
      const ms = nowMs() - t0;
      s.destroy();
      resolve(ms);
    });
    s.once("error", reject);
    s.once("close", () => reject(new Error(`${t.name}: closed without a reply`)));
  });
}

async function rate(t: Target, seconds: number): Promise<number> {
  let n = 0;
  const end = nowMs() + seconds * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (nowMs() < end) {
        await once(t);
        n++;
      }
    }),
  );
  return n / seconds;
}

async function latencies(t: Target, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await once(t));
  return out.sort((a, b) => a - b);
}
const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

function bulk(t: Target): Promise<number> {
  return new Promise((resolve, reject) => {
    let got = 0;
    let t0 = 0;
    const s: net.Socket = t.tls
      ? tls.connect({ host: "127.0.0.1", port: t.port, rejectUnauthorized: false, cert: t.cert, key: t.key, servername: "upstream.bench" }, () => {
          t0 = nowMs();
          s.write("b");
        })
      : net.connect({ host: "127.0.0.1", port: t.port }, () => {
          t0 = nowMs();
          s.write("b");
        });
    s.on("data", (d: Buffer) => (got += d.length));
    s.once("error", reject);
    s.once("close", () => (got >= BULK_BYTES ? resolve(got / 2 ** 20 / ((nowMs() - t0) / 1000)) : reject(new Error(`${t.name}: bulk got ${got} bytes`))));
  });
}

export async function run(): Promise<void> {
  heading("proxy — rootline proxy vs direct TLS: connections/s, added latency, bulk MB/s (issue 11)");
  const dataDir = migratedDataDir("proxy");
  await switchDataDir(dataDir);
  const dir = tempDir("proxy-files");
  const { createIssuer } = await import("../lib/issuers/service");
  const { caCertificate } = await import("../lib/repository/documents");
  const { fastPath } = await import("../lib/http/fastPath");
  await createIssuer(ADMIN, { name: ISSUER, keyType: "ec-p256" });
  const caFile = path.join(dir, "ca.pem");
  fs.writeFileSync(caFile, (await caCertificate(ISSUER, "pem")).body);
  const upstreamCert = await issue(dir, "upstream", "upstream.bench", "server", ["DNS:upstream.bench", "IP:127.0.0.1"]);
  await issue(dir, "proxy", "proxy-bench", "proxy", ["IP:127.0.0.1"]);
  const client = await issue(dir, "client", "bench-client", "client");

  const repo = http.createServer((req, res) => void fastPath(req, res).then((a) => void (a || res.writeHead(404).end())));
  await new Promise<void>((r) => repo.listen(0, "127.0.0.1", r));
  const repoUrl = `http://127.0.0.1:${(repo.address() as net.AddressInfo).port}/api/repository`;

  const up = spawnGroup(process.execPath, ["-e", UPSTREAM, upstreamCert.certFile, upstreamCert.keyFile, caFile, String(BULK_BYTES)], { stdio: ["ignore", "pipe", "inherit"] });
  const upPort = Number(/listening (\d+)/.exec(await waitLine(up, /listening \d+/, "stdout"))![1]);
  fs.writeFileSync(
    path.join(dir, "proxy.json"),
    JSON.stringify({
      ca: caFile, repository: repoUrl, issuer: ISSUER, cert: "proxy.pem", key: "proxy.key", log: "log/decisions.jsonl", refreshS: 3600,
      routes: [
        { name: "tcp", listen: "127.0.0.1:0", upstream: `127.0.0.1:${upPort}`, servername: "upstream.bench" },
        { name: "tls", listen: "127.0.0.1:0", upstream: `127.0.0.1:${upPort}`, servername: "upstream.bench", clientTls: true, clientCa: caFile },
      ],
    }), // prettier-ignore
  );
  const proxy = spawnGroup(process.execPath, [path.join(ROOT, "bin/rootline.mjs"), "proxy", "--config", path.join(dir, "proxy.json")], { stdio: ["ignore", "ignore", "pipe"] });
  const started = await waitLine(proxy, /rootline proxy: running/, "stderr");
  const port = (name: string) => Number(new RegExp(`route ${name} listening on \\S+:(\\d+) `).exec(started)![1]);

  const targets: Target[] = [
    { name: "direct (TLS, client cert)", port: upPort, tls: true, cert: client.cert, key: client.key },
    { name: "proxied, TCP client", port: port("tcp"), tls: false },
    { name: "proxied, TLS client", port: port("tls"), tls: true },
  ];
  try {
    // Warm-up (JIT, first revocation checks), then alternating rounds.
    for (const t of targets) await rate(t, 0.5);
    const rates = new Map<string, number[]>(targets.map((t) => [t.name, []]));
    for (let r = 0; r < ROUNDS; r++) for (const t of targets) rates.get(t.name)!.push(await rate(t, RATE_SECONDS));
    const lat = new Map<string, number[]>();
    for (const t of targets) lat.set(t.name, await latencies(t, LATENCY_CONNECTIONS));
    const mbs = new Map<string, number[]>(targets.map((t) => [t.name, []]));
    // CPU per MiB of each process (where the cycles go on a shared machine).
    const cpu = new Map<string, { client: number; proxy: number; upstream: number }>(targets.map((t) => [t.name, { client: 0, proxy: 0, upstream: 0 }]));
    for (let r = 0; r < ROUNDS; r++)
      for (const t of targets) {
        const before = { client: process.cpuUsage(), proxy: cpuMs(proxy.pid!), upstream: cpuMs(up.pid!) };
        mbs.get(t.name)!.push(await bulk(t));
        const c = cpu.get(t.name)!;
        const u = process.cpuUsage(before.client);
        c.client += (u.user + u.system) / 1000;
        c.proxy += cpuMs(proxy.pid!) - before.proxy;
        c.upstream += cpuMs(up.pid!) - before.upstream;
      }

    const direct = targets[0].name;
    const dRate = median(rates.get(direct)!);
    const dMbs = median(mbs.get(direct)!);
    const dLat = lat.get(direct)!;
    table(
      `${ROUNDS} rounds, median; connections: ${CONCURRENCY} concurrent clients for ${RATE_SECONDS} s, each a full handshake + 1-byte request/reply; latency: ${LATENCY_CONNECTIONS} sequential connections; bulk: ${BULK_BYTES / 2 ** 20} MiB downstream on one connection`,
      ["path", "conn/s", "vs direct", "p50 ms", "p99 ms", "added p50", "added p99", "MB/s", "vs direct"],
      targets.map((t) => {
        const l = lat.get(t.name)!;
        const r = median(rates.get(t.name)!);
        const m = median(mbs.get(t.name)!);
        return [t.name, fmt(r), `${fmt((100 * r) / dRate)}%`, fmt(pct(l, 50), 2), fmt(pct(l, 99), 2), t.name === direct ? "-" : fmt(pct(l, 50) - pct(dLat, 50), 2), t.name === direct ? "-" : fmt(pct(l, 99) - pct(dLat, 99), 2), fmt(m), `${fmt((100 * m) / dMbs)}%`];
      }),
    );
    const rows: string[][] = [];
    for (const t of targets.slice(1)) {
      const r = median(rates.get(t.name)!) / dRate;
      const m = median(mbs.get(t.name)!) / dMbs;
      rows.push(goal(`${t.name}: connection rate`, `${fmt(100 * r)}% of direct`, "≥ 50%", r >= 0.5));
      rows.push(goal(`${t.name}: throughput`, `${fmt(100 * m)}% of direct`, "≥ 80%", m >= 0.8));
    }
    const perMib = (ms: number) => fmt(ms / ((ROUNDS * BULK_BYTES) / 2 ** 20), 2);
    table(
      "bulk: CPU ms per MiB moved, per process (/proc/PID/stat for the children, process.cpuUsage for the client)",
      ["path", "client", "proxy", "upstream", "total"],
      targets.map((t) => {
        const c = cpu.get(t.name)!;
        return [t.name, perMib(c.client), perMib(c.proxy), perMib(c.upstream), perMib(c.client + c.proxy + c.upstream)];
      }),
    );
    table("goals", ["what", "measured", "goal", ""], rows);
    console.log("rounds (conn/s): " + targets.map((t) => `${t.name} ${rates.get(t.name)!.map((x) => fmt(x)).join("/")}`).join("; "));
    console.log("rounds (MB/s):   " + targets.map((t) => `${t.name} ${mbs.get(t.name)!.map((x) => fmt(x)).join("/")}`).join("; "));
  } finally {
    await stopGroup(proxy);
    await stopGroup(up);
    await new Promise<void>((r) => repo.close(() => r()));
    await releaseDb();
  }
}
