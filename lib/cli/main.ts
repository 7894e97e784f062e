import { Command, CommanderError } from "commander";
import { cliFailure } from "../errors";
import { CliExit } from "./io";
import * as acme from "./commands/acme";
import * as agent from "./commands/agent";
import * as audit from "./commands/audit";
import * as backup from "./commands/backup";
import * as cert from "./commands/cert";
import * as device from "./commands/device";
import * as est from "./commands/est";
import * as issuer from "./commands/issuer";
import * as lineage from "./commands/lineage";
import * as masterKey from "./commands/masterKey";
import * as ocsp from "./commands/ocsp";
import * as plan from "./commands/plan";
import * as proxy from "./commands/proxy";
import * as revocation from "./commands/revocation";
import * as rotation from "./commands/rotation";
import * as token from "./commands/token";
import * as topology from "./commands/topology";
import * as user from "./commands/user";

/** Each command module registers itself; heavy modules are imported inside actions so `--help` stays instant. */
const COMMANDS: { register(program: Command): void }[] = [user, token, issuer, cert, revocation, plan, device, audit, masterKey, agent, topology, rotation, lineage, proxy, est, acme, ocsp, backup];

// `restore` migrates itself, after replacing the database (a fresh one would be thrown away).
const NO_DATABASE = new Set(["device", "plan", "agent", "proxy", "restore"]);

export function buildProgram(): Command {
  const program = new Command("rootline")
    .description("Rootline certificate-authority console: automation CLI (works on the same database as the web app)")
    .showHelpAfterError()
    .exitOverride();
  for (const c of COMMANDS) c.register(program);
  // A fresh data directory works like `npm start`: migrations are applied first (a read-only
  // check when the database is up to date). Commands that never open the database skip it.
  program.hook("preAction", async (_program, action) => {
    let top = action;
    while (top.parent && top.parent !== program) top = top.parent;
    if (NO_DATABASE.has(top.name())) return;
    const { ensureMigrated } = await import("../migrations");
    ensureMigrated({ log: (line) => process.stderr.write(`rootline: ${line}\n`) });
  });
  return program;
}

/** Returns the exit code: 0 ok, 1 failure or rejection, 2 bad input or usage, 75 database busy (retry). */
export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CliExit) return err.code;
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    // Domain errors: the one CLI mapping (lib/errors.ts).
    const f = cliFailure(err);
    process.stderr.write(`${f.message}\n`);
    return f.exitCode;
  } finally {
    // Close the database so the process exits promptly (imported lazily: --help needs no database).
    const { closeDb } = await import("../db");
    await closeDb();
  }
}
