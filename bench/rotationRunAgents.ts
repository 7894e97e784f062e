/**
 * A worker of the rotation-run benchmark: many node agents in one process (startAgent per
 * directory). Argument: a JSON file {caUrl, handshakeIntervalMs, pollIntervalMs, dirs}.
 * Prints "ready <n>" once every agent runs; exits on SIGTERM.
 */
import fs from "node:fs";
import { startAgent } from "../lib/agent/index";

async function main(): Promise<void> {
  const cfg = JSON.parse(fs.readFileSync(process.argv[2], "utf8")) as { caUrl: string; handshakeIntervalMs: number; pollIntervalMs: number; dirs: string[] };
  // BENCH_RR_AGENT_LOG=FILE: every agent's log lines (dropped envelopes, connection errors), for diagnosis.
  const logFile = process.env.BENCH_RR_AGENT_LOG;
  const log = logFile ? (line: string) => fs.appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`) : undefined;
  // Concurrently, in batches: started one by one, the last agents wait behind the handshakes of the first.
  for (let i = 0; i < cfg.dirs.length; i += 50)
    await Promise.all(cfg.dirs.slice(i, i + 50).map((dir) => startAgent({ dir, caUrl: cfg.caUrl, handshakeIntervalMs: cfg.handshakeIntervalMs, pollIntervalMs: cfg.pollIntervalMs, log })));
  console.log(`ready ${cfg.dirs.length}`);
}

process.once("SIGTERM", () => process.exit(0));
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
