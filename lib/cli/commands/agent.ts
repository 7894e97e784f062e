import type { Command } from "commander";
import { parsePositiveInt } from "../io";

export function register(program: Command): void {
  program
    .command("agent")
    .description("run a node agent on a provisioned node directory until SIGTERM/SIGINT (docs/ROTATION_RUNS.md)")
    .requiredOption("--dir <dir>", "the node's directory (key.pem, cert.pem, roots.pem, agent.json, store.json)")
    .option("--ca-url <url>", "the CA's URL (overrides agent.json)")
    .option("--handshake-interval-ms <n>", "handshake with every server this often", "1000")
    .option("--poll-interval-ms <n>", "poll servers and the CA this often", "1000")
    .action(async (opts: { dir: string; caUrl?: string; handshakeIntervalMs: string; pollIntervalMs: string }) => {
      const handshakeIntervalMs = parsePositiveInt(opts.handshakeIntervalMs, "handshake-interval-ms");
      const pollIntervalMs = parsePositiveInt(opts.pollIntervalMs, "poll-interval-ms");
      const { startAgent } = await import("../../agent/index");
      const agent = await startAgent({ dir: opts.dir, caUrl: opts.caUrl, handshakeIntervalMs, pollIntervalMs, log: (line) => process.stderr.write(`rootline agent: ${line}\n`) });
      process.stderr.write(`rootline agent: ${agent.node} running${agent.port !== null ? ` on port ${agent.port}` : ""}\n`);
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once("SIGTERM", () => resolve("SIGTERM"));
        process.once("SIGINT", () => resolve("SIGINT"));
      });
      await agent.stop();
      process.stderr.write(`rootline agent: ${agent.node} stopped (${signal})\n`);
    });
}
