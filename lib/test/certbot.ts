/**
 * certbot (Debian's, /usr/bin/certbot) against Rootline's ACME server in a real process:
 * lib/test/fastPathServer.ts on the test file's database, serving HTTPS with a certificate
 * of the issuer; certbot runs `--standalone` on its own http-01 port, which the server's
 * validator reaches through ROOTLINE_ACME_HTTP01_PORT and ROOTLINE_ACME_HOSTS (every test
 * name resolves to 127.0.0.1). Reusable: start it, run certbot with any arguments, read
 * the files it wrote.
 *
 * The issuer (and its ACME policy) must exist before startCertbotEnv: the HTTPS listener
 * takes its certificate from it.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { db } from "../db";
import { caChain } from "../issuers/intermediate";
import { pemEncode } from "../pki/pem";
import { startFastPathServer, type FastPathProcess } from "./fastPathProcess";

export const CERTBOT = "/usr/bin/certbot";
export const certbotInstalled = (): boolean => fs.existsSync(CERTBOT);

export interface CertbotResult {
  code: number;
  stdout: string;
  stderr: string;
  /** certbot's own log (logs-dir/letsencrypt.log) as it stands after the run. */
  log: string;
  ms: number;
}

export interface CertbotEnv {
  server: FastPathProcess;
  httpsPort: number;
  http01Port: number;
  dir: string;
  /** The CA chains (PEM) of the ACME and the HTTPS issuer: certbot's REQUESTS_CA_BUNDLE, and openssl verify's -CAfile. */
  caFile: string;
  directoryUrl: string;
  /** Runs certbot with `args`, adding --config-dir/--work-dir/--logs-dir and --non-interactive. */
  run(args: string[], o?: { timeoutMs?: number }): Promise<CertbotResult>;
  /** `certbot certonly --standalone` as the Contract runs it, for `names` (+ extra args). */
  certonly(names: string[], extra?: string[]): Promise<CertbotResult>;
  /** `certbot renew --force-renewal` for one certificate lineage. */
  renew(certName: string, extra?: string[]): Promise<CertbotResult>;
  /** The files of a certificate lineage (live/<name>/…). */
  live(certName: string): { cert: string; chain: string; fullchain: string; privkey: string };
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, "127.0.0.1", ok));
  const port = (s.address() as { port: number }).port;
  await new Promise((ok) => s.close(ok));
  return port;
}

/**
 * `issuer`: the ACME issuer; `httpsIssuer` (default: the same) signs the HTTPS server's
 * certificate — a separate one keeps that certificate out of the ACME issuer's serials, so
 * a prefix revocation there waits only for certbot's certificates. `names`: resolved to
 * 127.0.0.1 by the validator.
 */
export async function startCertbotEnv(o: { issuer: string; httpsIssuer?: string; names: string[]; env?: Record<string, string> }): Promise<CertbotEnv> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rootline-certbot-"));
  const caFile = path.join(dir, "ca.pem");
  const pems: string[] = [];
  for (const name of new Set([o.issuer, o.httpsIssuer ?? o.issuer])) {
    const issuer = await db().issuer.findUniqueOrThrow({ where: { name }, select: { id: true } });
    pems.push(...(await caChain(issuer.id)).map((d) => pemEncode("CERTIFICATE", d)));
  }
  fs.writeFileSync(caFile, [...new Set(pems)].join(""));
  const http01Port = await freePort();
  const server = await startFastPathServer({
    https: { issuer: o.httpsIssuer ?? o.issuer, names: ["DNS:localhost", "IP:127.0.0.1"] },
    env: { ROOTLINE_ACME_HTTP01_PORT: String(http01Port), ROOTLINE_ACME_HOSTS: o.names.map((n) => `${n}=127.0.0.1`).join(","), ...o.env },
  });
  const httpsPort = await server.httpsPort();
  const directoryUrl = `https://127.0.0.1:${httpsPort}/acme/${encodeURIComponent(o.issuer)}/directory`;
  const dirs = ["config", "work", "logs"].map((d) => path.join(dir, d));
  const logFile = path.join(dirs[2], "letsencrypt.log");

  const run = (args: string[], ro: { timeoutMs?: number } = {}) =>
    new Promise<CertbotResult>((resolve) => {
      const started = Date.now();
      const child = spawn(CERTBOT, [...args, "--non-interactive", "--config-dir", dirs[0], "--work-dir", dirs[1], "--logs-dir", dirs[2]], {
        env: { ...process.env, REQUESTS_CA_BUNDLE: caFile },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      const timer = setTimeout(() => child.kill("SIGKILL"), ro.timeoutMs ?? 30_000);
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? -1, stdout, stderr, log: fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : "", ms: Date.now() - started });
      });
    });

  return {
    server,
    httpsPort,
    http01Port,
    dir,
    caFile,
    directoryUrl,
    run,
    certonly: (names, extra = []) =>
      run(["certonly", "--standalone", "--http-01-port", String(http01Port), "--server", directoryUrl, ...names.flatMap((n) => ["-d", n]), "--agree-tos", "--register-unsafely-without-email", ...extra]),
    // certbot sleeps up to 8 minutes before a non-interactive renew unless told not to.
    renew: (certName, extra = []) => run(["renew", "--force-renewal", "--no-random-sleep-on-renew", "--cert-name", certName, ...extra]),
    live: (name) => {
      const live = path.join(dirs[0], "live", name);
      return { cert: path.join(live, "cert.pem"), chain: path.join(live, "chain.pem"), fullchain: path.join(live, "fullchain.pem"), privkey: path.join(live, "privkey.pem") };
    },
    async stop() {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
