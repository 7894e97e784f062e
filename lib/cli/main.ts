import { Command, CommanderError } from "commander";
import { ForbiddenError } from "../auth/roles";
import { InputError } from "../pki/errors";
import { CliExit } from "./io";
import * as audit from "./commands/audit";
import * as cert from "./commands/cert";
import * as device from "./commands/device";
import * as issuer from "./commands/issuer";
import * as masterKey from "./commands/masterKey";
import * as plan from "./commands/plan";
import * as revocation from "./commands/revocation";
import * as user from "./commands/user";

/** Each command module registers itself; heavy modules are imported inside actions so `--help` stays instant. */
const COMMANDS: { register(program: Command): void }[] = [user, issuer, cert, revocation, plan, device, audit, masterKey];

export function buildProgram(): Command {
  const program = new Command("rootline")
    .description("Rootline certificate-authority console: automation CLI (works on the same database as the web app)")
    .showHelpAfterError()
    .exitOverride();
  for (const c of COMMANDS) c.register(program);
  return program;
}

/** Returns the exit code: 0 ok, 1 failure or rejection, 2 bad input or usage. */
export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CliExit) return err.code;
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof InputError) {
      process.stderr.write(`rootline: ${err.field}: ${err.message}\n`);
      return 2;
    }
    if (err instanceof ForbiddenError) {
      process.stderr.write(`rootline: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`rootline: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    // Close the database so the process exits promptly (imported lazily: --help needs no database).
    const { closeDb } = await import("../db");
    await closeDb();
  }
}
