import type { RenewalMethod } from "../store/state";

/**
 * The operator's words for revocation history (pure: the client components use them too).
 * SPEC names stay in the code; these say what happened.
 */

/** How a holder's renewal was authenticated. */
export const RENEWAL_METHOD_WORDS: Record<RenewalMethod, string> = {
  token: "one-time token",
  "proof-of-possession": "signed with its current key",
  operator: "by hand (operator)",
  "generated-key": "new server-generated key",
  acme: "ACME",
  est: "EST",
};

export const methodWord = (m: string | null | undefined): string | null => (m ? (RENEWAL_METHOD_WORDS[m as RenewalMethod] ?? m) : null);

/**
 * What a revocation's order means once it is history. A generation move is not a
 * revocation of one serial: its holders moved to the next CA generation.
 */
export function orderWord(order: string, successor?: { name: string; generation: number } | null): string {
  switch (order) {
    case "renew-first":
      return "renew first";
    case "raise-first":
      return "raise first";
    case "sweep":
      return "expiry sweep";
    case "generation":
      return successor ? `moved to generation ${successor.generation} (${successor.name})` : "moved to the next generation";
    default:
      return order;
  }
}

/** A stored actor label ("user:ops@example", "device:CA#7") as a person reads it. */
export function actorWord(label: string | null | undefined): string {
  if (!label) return "—";
  const [kind, ...rest] = label.split(":");
  const name = rest.join(":");
  if (kind === "user") return name;
  if (kind === "device") return `the holder (${name})`;
  if (kind === "system") return name === "rootline" ? "Rootline" : name === "expiry-sweep" ? "the expiry sweep" : `Rootline (${name})`;
  if (kind === "token") return `API token ${name}`;
  if (kind === "cli") return `CLI (${name})`;
  return label;
}
