import type { Command } from "commander";
import { CliExit, printJson } from "../io";

export function register(program: Command): void {
  const audit = program.command("audit").description("the append-only audit log");
  audit
    .command("verify")
    .description("check the hash chain of the audit log; exits 1 and names the first bad entry if it was tampered with")
    .action(async () => {
      const { verifyAuditLog } = await import("../../audit/log");
      const { db } = await import("../../db");
      const verdict = await verifyAuditLog(db());
      printJson(verdict);
      if (!verdict.ok) throw new CliExit(1);
    });
}
