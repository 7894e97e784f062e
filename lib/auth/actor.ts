import type { Role } from "./roles";

/**
 * Who asked for a change. Every domain write takes an Actor so the audit log can
 * say who did it, whether it came from the UI, the API, the CLI or a timer.
 */
export interface Actor {
  kind: "user" | "token" | "cli" | "system" | "device";
  /** Human-readable identity written to the audit log: an email, a token name, "sweep". */
  name: string;
  role: Role;
}

export const SYSTEM: Actor = { kind: "system", name: "rootline", role: "administrator" };

export function cliActor(): Actor {
  return { kind: "cli", name: process.env.USER ?? "root", role: "administrator" };
}
