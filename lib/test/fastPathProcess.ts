/**
 * lib/test/fastPathServer.ts as a child process on the test file's database, for tests
 * that talk to it with real clients (curl, openssl, certbot). With `https` it also
 * listens on HTTPS (lib/https) with a certificate from that issuer; `httpsPort()` waits
 * for the listener, which starts only once the issuer exists.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

const TSX = path.join(process.cwd(), "node_modules/tsx/dist/cli.mjs");

export interface FastPathProcess {
  port: number;
  /** Resolves with the HTTPS port once "listening-https <port>" was printed. */
  httpsPort(timeoutMs?: number): Promise<number>;
  /** Waits until the output matches `re`; resolves with its first group as a number (NaN when none). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<number>;
  /** What the server printed so far (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}

export interface FastPathOptions {
  https?: { issuer: string; names?: string[]; checkSeconds?: number };
  env?: Record<string, string>;
}

export async function startFastPathServer(o: FastPathOptions = {}): Promise<FastPathProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...o.env };
  if (o.https) {
    Object.assign(env, { ROOTLINE_HTTPS_PORT: "0", ROOTLINE_HTTPS_ISSUER: o.https.issuer, ROOTLINE_HTTPS_CHECK_SECONDS: String(o.https.checkSeconds ?? 60) });
    if (o.https.names) env.ROOTLINE_HTTPS_NAMES = o.https.names.join(",");
  }
  // Its own process group: tsx runs the server as a grandchild, which a kill of tsx alone leaves running.
  const child: ChildProcess = spawn(process.execPath, [TSX, "lib/test/fastPathServer.ts"], { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let out = "";
  const waiters: (() => void)[] = [];
  const onData = (d: Buffer) => {
    out += d;
    for (const w of waiters.splice(0)) w();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const waitFor = (re: RegExp, timeoutMs = 20_000) =>
    new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`fastPathServer did not print ${re} within ${timeoutMs} ms:\n${out}`)), timeoutMs);
      const check = () => {
        const m = re.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        } else waiters.push(check);
      };
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`fastPathServer exited ${code}:\n${out}`));
      });
      check();
    });
  const port = await waitFor(/^listening (\d+)$/m, 20_000);
  return {
    port,
    httpsPort: (timeoutMs = 20_000) => waitFor(/^listening-https (\d+)$/m, timeoutMs),
    waitFor,
    output: () => out,
    async stop() {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        /* the group is gone already */
      }
      await exited;
    },
  };
}
