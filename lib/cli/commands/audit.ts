import type { Command } from "commander";
import { CliExit, printJson } from "../io";

export function register(program: Command): void {
  const audit = program.command("audit").description("the append-only audit log");
  audit
    .command("verify")
    .description("check the audit log: hash chain, seq continuity, MACed checkpoints and head anchor; exits 1 and names the first bad entry if it was tampered with (altered, removed, truncated, rewritten)")
    .action(async () => {
      const { verifyAuditLog } = await import("../../audit/log");
      const { db } = await import("../../db");
      const verdict = await verifyAuditLog(db());
      printJson(verdict);
      if (!verdict.ok) throw new CliExit(1);
    });
  audit
    .command("anchor")
    .description("once, after upgrading: anchor a log written before Rootline anchored its head")
    .action(async () => {
      const { adoptAuditLog } = await import("../../audit/log");
      const { cliActor } = await import("../../auth/actor");
      const { db } = await import("../../db");
      printJson(await db().$transaction((tx) => adoptAuditLog(tx, cliActor())));
    });
}
