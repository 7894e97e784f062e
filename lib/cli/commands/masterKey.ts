import type { Command } from "commander";
import { printJson } from "../io";

export function register(program: Command): void {
  program
    .command("master-key")
    .description("the key that seals private keys at rest (docs/OPERATIONS.md)")
    .command("rotate")
    .description("re-seal every private key under ROOTLINE_MASTER_KEY; ROOTLINE_PREVIOUS_MASTER_KEY must hold the old key")
    .action(async () => {
      const { rotateMasterKey } = await import("../../secrets/rotate");
      const { cliActor } = await import("../../auth/actor");
      printJson(await rotateMasterKey(cliActor()));
    });
}
