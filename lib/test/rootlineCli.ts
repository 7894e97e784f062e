import { spawn } from "node:child_process";
import path from "node:path";

/** The real binary (bin/rootline.mjs), asynchronously: several may run at once. `env` is added to this process's. */
export function rootlineAsync(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.resolve("bin/rootline.mjs"), ...args], { env: { ...process.env, ...env } });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) => resolve({ code, out, err }));
  });
}

/** A child process issuing certificates of `issuer` one after another until killed (lib/test/issueMany.ts); serials as they come. */
export function startIssuing(issuer: string): { serials: () => number; waitFor(n: number): Promise<void>; stop(): void } {
  const child = spawn(process.execPath, [path.resolve("node_modules/tsx/dist/cli.mjs"), "lib/test/issueMany.ts", issuer, "1000000"], { env: process.env, detached: true });
  let count = 0;
  let err = "";
  child.stdout.on("data", (d: Buffer) => (count += d.toString().split("\n").filter(Boolean).length));
  child.stderr.on("data", (d) => (err += d));
  return {
    serials: () => count,
    async waitFor(n) {
      for (let i = 0; i < 600 && count < n && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 25));
      if (count < n) throw new Error(`the issuing process issued ${count} of ${n}: ${err}`);
    },
    stop() {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        /* gone already */
      }
    },
  };
}
