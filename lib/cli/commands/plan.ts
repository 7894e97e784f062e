import type { Command } from "commander";
import { CliExit, readFileArg } from "../io";

/** Topologies of 100k nodes run to tens of megabytes; the cap only guards against mistakes. */
const MAX_INPUT_BYTES = 512 * 1024 * 1024;

export function register(program: Command): void {
  program
    .command("plan")
    .description(
      "plan the root-key update of a topology (tasks, constraints, order, route of each request), " +
        "or --check a hand-made order: exit 0 ok, 1 a link would break, 2 bad input",
    )
    .argument("<topology>", "topology JSON file: {nodes: [...], links: [...]}")
    // Values are validated by the command itself so bad ones give the JSON error and exit 2.
    .option("--mode <mode>", "stepwise | bundled", "stepwise")
    .option("--schedule <schedule>", "minimal | phased | linear", "minimal")
    .option("--merge-client-steps", "stepwise: deliver a client's store-root and store-cert in one request (2′)", false)
    .option("--check <order>", "order JSON file: array of task ids, or {group: [task ids]} for several groups")
    .action(async (topology: string, opts: { mode: string; schedule: string; mergeClientSteps: boolean; check?: string }) => {
      const { runPlanCommand } = await import("../../rotation/index");
      const out = runPlanCommand({ topology, ...opts }, (file) => readFileArg(file, "file", MAX_INPUT_BYTES).toString("utf8"));
      process.stdout.write(out.stdout + "\n");
      if (out.stderr) process.stderr.write(out.stderr + "\n");
      if (out.exitCode !== 0) throw new CliExit(out.exitCode);
    });
}
