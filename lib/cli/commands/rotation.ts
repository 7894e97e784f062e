import { Command, Option } from "commander";
import { InputError } from "../../errors";
import { parsePositiveInt, printJson, readFileArg } from "../io";

/** `rootline rotation start|status|resume` (docs/ROTATION_RUNS.md "Setup"). */
export function register(program: Command): void {
  const rotation = program.command("rotation").description("rotation runs: the root-key update executed against live node agents");
  rotation
    .command("start")
    .description("start a run on a bound, provisioned root key group; prints {\"id\"}")
    .requiredOption("--topology <name>", "topology name")
    .option("--group <group>", "root key group", "default")
    .option("--mode <mode>", "stepwise | bundled", "stepwise")
    .option("--schedule <schedule>", "minimal | phased | linear", "minimal")
    .option("--merge-client-steps", "stepwise: deliver a client's store-root and store-cert in one request (2′)", false)
    .option("--max-failures <n>", "consecutive failures of one task that fail the run", "5")
    .option("--task-timeout-s <s>", "seconds without an answer before a task is retried", "30")
    .option("--json", "print JSON")
    .addOption(new Option("--unsafe-order <file>", "test-only: run the tasks strictly in this order (ROOTLINE_TEST_UNSAFE_ORDER=1)").hideHelp())
    .action(async (o: { topology: string; group: string; mode: string; schedule: string; mergeClientSteps: boolean; maxFailures: string; taskTimeoutS: string; json?: boolean; unsafeOrder?: string }) => {
      const { startRun } = await import("../../rotation-run/start");
      const { cliActor } = await import("../../auth/actor");
      let unsafeOrder: string[] | undefined;
      if (o.unsafeOrder !== undefined) {
        try {
          unsafeOrder = JSON.parse(readFileArg(o.unsafeOrder, "unsafe-order").toString("utf8"));
        } catch (e) {
          if (e instanceof InputError) throw e;
          throw new InputError("unsafe-order", "the order file is not JSON");
        }
      }
      const r = await startRun(cliActor(), {
        topology: o.topology, group: o.group, mode: o.mode, schedule: o.schedule, mergeClientSteps: o.mergeClientSteps,
        maxFailures: parsePositiveInt(o.maxFailures, "max-failures"), taskTimeoutS: parsePositiveInt(o.taskTimeoutS, "task-timeout-s"), unsafeOrder,
      });
      if (o.json) printJson({ id: r.id });
      else process.stdout.write(`${r.id}\n`);
    });
  rotation
    .command("status")
    .description("a run's state and every task's state")
    .argument("<id>", "run id")
    .option("--json", "print JSON")
    .action(async (id: string, o: { json?: boolean }) => {
      const { runStatus } = await import("../../rotation-run/status");
      const s = await runStatus(id);
      if (o.json) return printJson(s);
      process.stdout.write(`${s.id}: ${s.state}\n`);
      for (const t of s.tasks) process.stdout.write(`  ${t.id.padEnd(28)} ${t.state.padEnd(10)} attempts ${t.attempts}${t.lastError ? `  ${t.lastError}` : ""}\n`);
    });
  rotation
    .command("resume")
    .description("continue a failed run: failed tasks' counters reset, unfinished tasks sent again")
    .argument("<id>", "run id")
    .option("--json", "print JSON")
    .action(async (id: string, o: { json?: boolean }) => {
      const { resumeRun } = await import("../../rotation-run/engine");
      const { cliActor } = await import("../../auth/actor");
      const r = await resumeRun(cliActor(), id);
      if (o.json) printJson(r);
      else process.stdout.write(`${r.id}: ${r.state}\n`);
    });
}
