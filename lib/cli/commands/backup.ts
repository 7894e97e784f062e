import type { Command } from "commander";
import { CliExit, printJson } from "../io";

export function register(program: Command): void {
  program
    .command("backup")
    .description("write a consistent snapshot of the database (online: the app keeps running) with a manifest naming the master key by its id; the master key itself is not in the backup")
    .requiredOption("--out <file>", "backup file to write (a tar: manifest.json + the database snapshot)")
    .action(async (o: { out: string }) => {
      const { createBackup } = await import("../../backup/backup");
      printJson(await createBackup(o.out));
    });
  program
    .command("restore")
    .description("restore a backup into this data directory or database (stop the app first), then verify the audit chain; exits 1 if it does not verify")
    .requiredOption("--from <file>", "backup file written by `rootline backup`")
    .option("--force", "replace a database that already holds data", false)
    .action(async (o: { from: string; force: boolean }) => {
      const { restoreBackup } = await import("../../backup/backup");
      const r = await restoreBackup(o.from, o.force);
      printJson(r);
      if (!r.audit.ok) {
        process.stderr.write(`rootline: the audit chain of the restored database does not verify: #${r.audit.seq}: ${r.audit.problem}\n`);
        throw new CliExit(1);
      }
    });
}
