/**
 * Issue 11's proof with real processes on loopback: `rootline proxy` (bin/rootline.mjs),
 * upstreams that are `openssl s_server -Verify 1` holding Rootline-issued server
 * certificates, the repository served by the app's own fast path (lib/http/fastPath) on a
 * node:http server, certificates issued and revoked (raise-first) by the domain code in
 * this file's test database.
 */
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueCertificate } from "../certificates/issue";
import { requestFromCsr } from "../certificates/request";
import { fastPath } from "../http/fastPath";
import { createIssuer } from "../issuers/service";
import { pemEncode } from "../pki/pem";
import { caCertificate, revocationInfoDer } from "../repository/documents";
import { startRevocation } from "../revocation/prefix";
import { makeCsr } from "../test/csr";
import { deadPort } from "../test/device";
import { killAll, runClient, startProxyProcess, startSServer, until, type Proc } from "./testProcesses";

const CA = "proxy-ca";
const admin = { kind: "cli", name: "t", role: "administrator" } as const;
const op = { kind: "user", name: "op@x", role: "operator" } as const;

let dir: string;
const file = (n: string) => path.join(dir, n);
let repoMode: "normal" | "tamper" | "replay" = "normal";
let oldInfo: Buffer; // the revocation info of RN 0, for the replay
let repo: http.Server;
let repoUrl: string;
let revokedUpstream: Proc; // serial 2: revoked raise-first during the test
let goodUpstream: Proc; // serial 6: stays good
let proxy: Awaited<ReturnType<typeof startProxyProcess>>;

/** Issues through Rootline's pipeline; writes NAME.pem and NAME.key. */
async function holder(name: string, cn: string, profile: string, issuer = CA, sans?: string[]) {
  const csr = await makeCsr(cn);
  const cert = await issueCertificate(admin, issuer, await requestFromCsr({ csr: csr.pem, profile, sans }));
  fs.writeFileSync(file(`${name}.pem`), pemEncode("CERTIFICATE", cert.der));
  fs.writeFileSync(file(`${name}.key`), pemEncode("PRIVATE KEY", new Uint8Array(await crypto.subtle.exportKey("pkcs8", csr.keys.privateKey))));
  return { serial: cert.serial, cert: file(`${name}.pem`), key: file(`${name}.key`) };
}

const status = (port: number, p: string, method = "GET") =>
  fetch(`http://127.0.0.1:${port}${p}`, { method }).then(async (r) => (p === "/metrics" ? r.text() : r.json()));

function decisionsFile(): Record<string, unknown>[] {
  if (!fs.existsSync(file("log/decisions.jsonl"))) return [];
  return fs.readFileSync(file("log/decisions.jsonl"), "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
}
const lastDecision = () => decisionsFile().at(-1)!;
async function nextDecision(before: number) {
  await until(() => decisionsFile().length > before, "a decision line");
  return lastDecision();
}

/** Writes a file by rename, as editors and deploy tools do. */
function replaceFile(f: string, text: string) {
  fs.writeFileSync(`${f}.tmp`, text);
  fs.renameSync(`${f}.tmp`, f);
}

const held: Record<string, { serial: bigint; cert: string; key: string }> = {};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "rootline-proxy-"));
  fs.mkdirSync(file("log"));
  await createIssuer(admin, { name: CA, keyType: "ec-p256" });
  await createIssuer(admin, { name: "other-ca", keyType: "ec-p256" });
  fs.writeFileSync(file("ca.pem"), (await caCertificate(CA, "pem")).body);
  // Serial order matters: raise-first revocation of serial 2 sets RN 3, revoking 1 and 2.
  held.badClient = await holder("bad-client", "device-bad", "client"); // 1
  held.upstream = await holder("upstream", "upstream.test", "server", CA, ["DNS:upstream.test", "IP:127.0.0.1"]); // 2
  held.proxy = await holder("proxy", "proxy-1", "proxy"); // 3
  held.client = await holder("client", "device-7", "client"); // 4
  held.foreign = await holder("foreign", "device-7", "client", "other-ca");
  held.upstream2 = await holder("upstream2", "upstream2.test", "server", CA, ["DNS:upstream2.test", "IP:127.0.0.1"]);
  expect([1n, 2n, 3n, 4n]).toEqual([held.badClient, held.upstream, held.proxy, held.client].map((h) => h.serial));

  repo = http.createServer((req, res) => {
    if (repoMode === "tamper" && req.url === `/api/repository/${CA}/revocation-info.der`) {
      // The app's document with one byte of its signature flipped.
      return void revocationInfoDer(CA).then((d) => {
        const b = Buffer.from(d.body);
        b[b.length - 3] ^= 0x01;
        res.writeHead(200, { "Content-Type": d.contentType }).end(b);
      });
    }
    if (repoMode === "replay" && req.url === `/api/repository/${CA}/revocation-info.der`) return void res.writeHead(200, { "Content-Type": "application/octet-stream" }).end(oldInfo);
    fastPath(req, res).then((answered) => void (answered || res.writeHead(404).end()));
  });
  oldInfo = Buffer.from((await revocationInfoDer(CA)).body);
  await new Promise<void>((r) => repo.listen(0, "127.0.0.1", r));
  repoUrl = `http://127.0.0.1:${(repo.address() as { port: number }).port}/api/repository`;

  revokedUpstream = await startSServer({ certFile: held.upstream.cert, keyFile: held.upstream.key, caFile: file("ca.pem"), port: await deadPort() });
  goodUpstream = await startSServer({ certFile: held.upstream2.cert, keyFile: held.upstream2.key, caFile: file("ca.pem"), port: await deadPort() });
  fs.writeFileSync(file("policy.json"), JSON.stringify({ default: "allow", rules: [] }));
}, 120_000);

afterAll(async () => {
  killAll();
  await new Promise<void>((r) => (repo ? repo.close(() => r()) : r()));
  fs.rmSync(dir, { recursive: true, force: true });
});

const sPort = (p: Proc) => Number(/ACCEPT/.test(p.out()) && (p.child.spawnargs[p.child.spawnargs.indexOf("-accept") + 1] ?? "").split(":")[1]);
const subjectsSeen = (p: Proc) => [...p.out().matchAll(/^subject=(.*)$/gm)].map((m) => m[1]);

describe("rootline proxy, real processes on loopback", () => {
  it("starts with the Contract's flags", async () => {
    proxy = await startProxyProcess([
      "--listen", "127.0.0.1:0",
      "--upstream", `127.0.0.1:${sPort(revokedUpstream)}`,
      "--servername", "upstream.test",
      "--ca", file("ca.pem"),
      "--repository", repoUrl,
      "--issuer", CA,
      "--cert", held.proxy.cert,
      "--key", held.proxy.key,
      "--client-tls", "--client-ca", file("ca.pem"),
      "--policy", file("policy.json"),
      "--log", file("log/decisions.jsonl"),
      "--refresh-s", "3600",
      "--status", "127.0.0.1:0",
    ]); // prettier-ignore
    expect(proxy.ports.default).toBeGreaterThan(0);
    expect(proxy.statusPort).toBeGreaterThan(0);
    expect(proxy.err()).toMatch(/revocation proxy-ca: info updated/);
  });

  it("a client without a certificate gets through; the upstream sees the proxy's certificate", async () => {
    const before = decisionsFile().length;
    const run = runClient({
      port: proxy.ports.default,
      tls: {},
      send: "HELLO-NOCERT\n",
      expect: "REPLY-1",
      onData: () => {},
    });
    await until(() => revokedUpstream.out().includes("HELLO-NOCERT"), "the upstream to receive the client's data");
    revokedUpstream.child.stdin!.write("REPLY-1\n");
    const r = await run;
    expect(r.received).toContain("REPLY-1");
    expect(subjectsSeen(revokedUpstream)).toEqual(["CN = proxy-1"]);
    const d = await nextDecision(before);
    expect(d).toMatchObject({ decision: "forwarded", route: "default", serial: "2", upstream: `127.0.0.1:${sPort(revokedUpstream)}`, subject: null });
    expect(d.client).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(typeof d.at).toBe("string");
  });

  it("a client with its own certificate (python3 ssl) gets through; the upstream only ever sees the proxy's certificate", async () => {
    const before = decisionsFile().length;
    const py = `
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
ctx.load_cert_chain(sys.argv[2], sys.argv[3])
with socket.create_connection(("127.0.0.1", int(sys.argv[1]))) as s, ctx.wrap_socket(s) as t:
    t.sendall(b"HELLO-WITHCERT\\n")
    got = b""
    while b"REPLY-2" not in got:
        chunk = t.recv(100)
        if not chunk: break
        got += chunk
    print(got.decode().strip())
`;
    const child = (await import("node:child_process")).spawn("python3", ["-c", py, String(proxy.ports.default), held.client.cert, held.client.key], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    await until(() => revokedUpstream.out().includes("HELLO-WITHCERT"), "the upstream to receive the data");
    revokedUpstream.child.stdin!.write("REPLY-2\n");
    await new Promise((r) => child.on("exit", r));
    expect(out.trim()).toBe("REPLY-2");
    expect(subjectsSeen(revokedUpstream)).toEqual(["CN = proxy-1", "CN = proxy-1"]);
    expect(revokedUpstream.out() + revokedUpstream.err()).not.toContain("device-7");
    expect(await nextDecision(before)).toMatchObject({ decision: "forwarded", subject: "CN=device-7" });
  });

  it("a client presenting a foreign certificate is refused (refused-client-cert), nothing reaches the upstream", async () => {
    const before = decisionsFile().length;
    const seen = subjectsSeen(revokedUpstream).length;
    const r = await runClient({ port: proxy.ports.default, tls: { cert: fs.readFileSync(held.foreign.cert, "utf8"), key: fs.readFileSync(held.foreign.key, "utf8") }, send: "FOREIGN-DATA\n", ms: 5000 });
    expect(r.received).toBe("");
    const d = await nextDecision(before);
    expect(d).toMatchObject({ decision: "refused-client-cert", serial: held.foreign.serial.toString() });
    expect(d.reason).toMatch(/not signed by the configured CA/);
    expect(subjectsSeen(revokedUpstream).length).toBe(seen);
    expect(revokedUpstream.out()).not.toContain("FOREIGN-DATA");
  });

  it("a client the policy denies is cut off; an invalid policy file is refused (old policy kept); SIGHUP and file changes reload", async () => {
    let before = decisionsFile().length;
    replaceFile(file("policy.json"), JSON.stringify({ default: "allow", rules: [{ subject: "device-7", route: "default", answer: "deny" }] }));
    await until(() => /policy reloaded \(file changed\): default allow, 1 rule/.test(proxy.err()), "the policy reload");
    const cert = fs.readFileSync(held.client.cert, "utf8");
    const key = fs.readFileSync(held.client.key, "utf8");
    const r = await runClient({ port: proxy.ports.default, tls: { cert, key }, send: "DENIED-DATA\n", ms: 5000 });
    expect(r.received).toBe("");
    expect(await nextDecision(before)).toMatchObject({ decision: "refused-policy", subject: "CN=device-7", serial: null, reason: "denied by policy rule 0" });
    expect(revokedUpstream.out()).not.toContain("DENIED-DATA");

    // A broken file: refused, the deny rule stays in force.
    replaceFile(file("policy.json"), '{"default": "allow", "rules": [{"source": "not-an-ip", "answer": "allow"}]}');
    await until(() => /policy reload \(file changed\) refused, the previous policy stays/.test(proxy.err()), "the refusal");
    before = decisionsFile().length;
    await runClient({ port: proxy.ports.default, tls: { cert, key }, send: "DENIED-AGAIN\n", ms: 3000 });
    expect(await nextDecision(before)).toMatchObject({ decision: "refused-policy" });
    const metrics = (await status(proxy.statusPort!, "/metrics")) as string;
    expect(metrics).toMatch(/rootline_proxy_reloads_total\{[^}]*result="rejected"[^}]*what="policy"[^}]*\} 1/);

    // SIGHUP reloads too (the broken file is still there: refused again, by the signal this time).
    proxy.kill("SIGHUP");
    await until(() => /policy reload \(SIGHUP\) refused/.test(proxy.err()), "the SIGHUP reload");
    // Back to allowing, written in place: the watcher reloads.
    fs.writeFileSync(file("policy.json"), JSON.stringify({ default: "allow", rules: [] }));
    await until(() => /policy reloaded \(file changed\): default allow, 0 rule/.test(proxy.err()), "the reload");
    before = decisionsFile().length;
    const ok = runClient({ port: proxy.ports.default, tls: { cert, key }, send: "ALLOWED-AGAIN\n", expect: "REPLY-3" });
    await until(() => revokedUpstream.out().includes("ALLOWED-AGAIN"), "forwarded again");
    revokedUpstream.child.stdin!.write("REPLY-3\n");
    expect((await ok).received).toContain("REPLY-3");
    expect(await nextDecision(before)).toMatchObject({ decision: "forwarded" });
  });

  it("a tampered revocation info is rejected on refresh; the last good state stays", async () => {
    repoMode = "tamper";
    const r = (await status(proxy.statusPort!, "/refresh", "POST")) as { refreshed: Record<string, { info: string }> };
    repoMode = "normal";
    expect(r.refreshed[CA].info).toBe("rejected");
    const s = (await status(proxy.statusPort!, "/status")) as { revocation: { issuer: string; revocationNumber: string | null }[] };
    expect(s.revocation.find((x) => x.issuer === CA)?.revocationNumber).toBe("0");
  });

  it("raise-first revocation of the upstream: after POST /refresh the next connection is refused before any byte is forwarded", async () => {
    const started = await startRevocation(op, { issuer: CA, serial: held.upstream.serial, reason: "keyCompromise", order: "raise-first" });
    expect(started.revocationNumber).toBe(3n);
    const r = (await status(proxy.statusPort!, "/refresh", "POST")) as { refreshed: Record<string, { info: string }> };
    expect(r.refreshed[CA].info).toBe("updated");
    const before = decisionsFile().length;
    const seen = subjectsSeen(revokedUpstream).length;
    // The client sends at once; the proxy must not read it, let alone forward it.
    const run = await runClient({ port: proxy.ports.default, tls: {}, send: "SECRET-AFTER-REVOKE\n", ms: 5000 });
    expect(run.connected).toBe(true);
    expect(run.received).toBe("");
    const d = await nextDecision(before);
    expect(d).toMatchObject({ decision: "refused-revoked", serial: "2" });
    expect(d.reason).toMatch(/revocation number 3|below|revoked/i);
    // The upstream saw a handshake (the proxy's certificate) and then no application data.
    await until(() => subjectsSeen(revokedUpstream).length === seen + 1, "the upstream to log the handshake");
    await new Promise((res) => setTimeout(res, 300));
    expect(revokedUpstream.out()).not.toContain("SECRET-AFTER-REVOKE");
    const metrics = (await status(proxy.statusPort!, "/metrics")) as string;
    expect(metrics).toMatch(/rootline_proxy_connections_total\{decision="refused-revoked",route="default"\} 1/);
    expect(metrics).toMatch(/rootline_proxy_connections_total\{decision="forwarded",route="default"\} 3/);
    expect(metrics).toMatch(/rootline_proxy_revocation_number\{issuer="proxy-ca"\} 3/);

    // A replayed older, genuine revocation info (RN 0) is rejected; the upstream stays refused.
    repoMode = "replay";
    const replay = (await status(proxy.statusPort!, "/refresh", "POST")) as { refreshed: Record<string, { info: string }> };
    repoMode = "normal";
    expect(replay.refreshed[CA].info).toBe("rejected");
    const n = decisionsFile().length;
    await runClient({ port: proxy.ports.default, tls: {}, send: "SECRET-AFTER-REPLAY\n", ms: 3000 });
    expect(await nextDecision(n)).toMatchObject({ decision: "refused-revoked", serial: "2" });
    expect(revokedUpstream.out()).not.toContain("SECRET-AFTER-REPLAY");
  });

  it("a client presenting a revoked certificate is refused", async () => {
    const before = decisionsFile().length;
    const r = await runClient({ port: proxy.ports.default, tls: { cert: fs.readFileSync(held.badClient.cert, "utf8"), key: fs.readFileSync(held.badClient.key, "utf8") }, send: "X\n", ms: 5000 });
    expect(r.received).toBe("");
    expect(await nextDecision(before)).toMatchObject({ decision: "refused-client-cert", serial: "1", subject: "CN=device-bad" });
  });

  it("kill -9, repository stopped, restart with --config (two routes): the revoked upstream is still refused from disk", async () => {
    proxy.kill("SIGKILL");
    await proxy.exit;
    await new Promise<void>((r) => {
      repo.close(() => r());
      repo.closeAllConnections();
    });
    fs.writeFileSync(
      file("proxy.json"),
      JSON.stringify({
        ca: "ca.pem",
        repository: repoUrl,
        issuer: CA,
        cert: "proxy.pem",
        key: "proxy.key",
        log: "log/decisions.jsonl",
        refreshS: 3600,
        status: "127.0.0.1:0",
        routes: [
          { name: "revoked", listen: "127.0.0.1:0", upstream: `127.0.0.1:${sPort(revokedUpstream)}`, servername: "upstream.test", clientTls: true, clientCa: "ca.pem" },
          { name: "plain", listen: "127.0.0.1:0", upstream: `127.0.0.1:${sPort(goodUpstream)}`, servername: "upstream2.test" },
        ],
      }),
    );
    proxy = await startProxyProcess(["--config", file("proxy.json")]);
    expect(proxy.err()).toMatch(/revocation proxy-ca: info unreachable/);
    let before = decisionsFile().length;
    const refused = await runClient({ port: proxy.ports.revoked, tls: {}, send: "SECRET-AFTER-RESTART\n", ms: 5000 });
    expect(refused.received).toBe("");
    expect(await nextDecision(before)).toMatchObject({ decision: "refused-revoked", route: "revoked", serial: "2" });
    // Plain TCP to a good upstream still works, judged with the same stored state.
    before = decisionsFile().length;
    const ok = runClient({ port: proxy.ports.plain, send: "PLAIN-HELLO\n", expect: "REPLY-4" });
    await until(() => goodUpstream.out().includes("PLAIN-HELLO"), "the good upstream to receive");
    goodUpstream.child.stdin!.write("REPLY-4\n");
    expect((await ok).received).toContain("REPLY-4");
    expect(await nextDecision(before)).toMatchObject({ decision: "forwarded", route: "plain", serial: held.upstream2.serial.toString() });
    expect(subjectsSeen(goodUpstream)).toEqual(["CN = proxy-1"]);
    expect(revokedUpstream.out()).not.toContain("SECRET-AFTER-RESTART");

    const d = (await status(proxy.statusPort!, "/decisions?since=0")) as { decisions: { decision: string; route: string }[] };
    expect(d.decisions.map((x) => `${x.route}:${x.decision}`)).toEqual(["revoked:refused-revoked", "plain:forwarded"]);
    // Every line of the log has the Contract's fields.
    for (const l of decisionsFile()) for (const k of ["at", "client", "route", "upstream", "serial", "decision", "reason"]) expect(l).toHaveProperty(k);
    expect(decisionsFile().map((l) => l.decision)).toEqual(["forwarded", "forwarded", "refused-client-cert", "refused-policy", "refused-policy", "forwarded", "refused-revoked", "refused-revoked", "refused-client-cert", "refused-revoked", "forwarded"]);

    // Bytes are counted per route and direction (cleartext).
    await until(async () => /rootline_proxy_bytes_total\{direction="downstream",route="plain"\} 8\n/.test((await status(proxy.statusPort!, "/metrics")) as string), "the byte counters");
    expect(await status(proxy.statusPort!, "/metrics")).toMatch(/rootline_proxy_bytes_total\{direction="upstream",route="plain"\} 12\n/);
  });

  it("the proxy certificate is hot-reloaded without dropping an open connection", async () => {
    const conn = net.connect({ host: "127.0.0.1", port: proxy.ports.plain });
    let got = "";
    conn.on("data", (d) => (got += d));
    conn.write("OPEN-1\n");
    await until(() => goodUpstream.out().includes("OPEN-1"), "the open connection to forward");
    // A renewed proxy certificate (new key), written the way deploy tools do: key, then certificate.
    const renewed = await holder("proxy-next", "proxy-2", "proxy");
    replaceFile(held.proxy.key, fs.readFileSync(renewed.key, "utf8"));
    replaceFile(held.proxy.cert, fs.readFileSync(renewed.cert, "utf8"));
    await until(() => /certificate reloaded: CN=proxy-2/.test(proxy.err()), "the certificate reload");
    // The open session is untouched.
    conn.write("OPEN-2\n");
    await until(() => goodUpstream.out().includes("OPEN-2"), "the open connection still forwarding");
    goodUpstream.child.stdin!.write("REPLY-5\n");
    await until(() => got.includes("REPLY-5"), "the reply on the open connection");
    conn.end();
    // The next connection presents the new certificate upstream.
    const next = runClient({ port: proxy.ports.plain, send: "AFTER-RELOAD\n", expect: "REPLY-6" });
    await until(() => goodUpstream.out().includes("AFTER-RELOAD"), "the next connection");
    goodUpstream.child.stdin!.write("REPLY-6\n");
    expect((await next).received).toContain("REPLY-6");
    expect(subjectsSeen(goodUpstream)).toEqual(["CN = proxy-1", "CN = proxy-1", "CN = proxy-2"]);

    proxy.kill("SIGTERM");
    expect(await proxy.exit).toBe(0);
    expect(proxy.err()).toMatch(/stopped \(SIGTERM\)/);
  });

  it("rejects bad flags with the field named, exit 2", () => {
    const r = spawnSync(process.execPath, ["bin/rootline.mjs", "proxy", "--listen", "127.0.0.1", "--upstream", "x:1", "--ca", "a", "--repository", "http://x", "--issuer", "i", "--cert", "c", "--key", "k"], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/listen/);
    fs.writeFileSync(file("bad.json"), JSON.stringify({ cert: "c", key: "k", routes: [{ name: "a", listen: "127.0.0.1:1", upstream: "nope" }] }));
    const c = spawnSync(process.execPath, ["bin/rootline.mjs", "proxy", "--config", file("bad.json")], { encoding: "utf8" });
    expect(c.status).toBe(2);
    expect(c.stderr).toMatch(/config\.routes\[0\]\.upstream/);
  });
});
