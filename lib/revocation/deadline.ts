import { InputError, shown } from "../errors";

/**
 * A revocation's deadline, in whole days from its start. Past ten years it would outlive
 * every certificate it waits for (the expiry sweep renews those anyway): a larger number
 * is a typo. One bound for the form, the API and the CLI.
 */
export const DEADLINE_DAYS = { min: 1, max: 3650 } as const;

const DAY_MS = 86_400_000;

/**
 * The deadline as people give it: days from `now`, typed in the form, passed to
 * `--deadline-days`, or sent as the API's `deadlineDays`. Empty or absent: no deadline.
 */
export function parseDeadline(days: unknown, now: Date, field = "deadline"): Date | undefined {
  if (days === undefined || days === null || (typeof days === "string" && days.trim() === "")) return undefined;
  const t = typeof days === "string" ? days.trim() : null;
  const n = typeof days === "number" ? days : t !== null && /^[0-9]{1,9}$/.test(t) ? Number(t) : NaN;
  if (!Number.isInteger(n) || n < DEADLINE_DAYS.min || n > DEADLINE_DAYS.max) {
    throw new InputError(field, `the deadline is a whole number of days from ${DEADLINE_DAYS.min} to ${DEADLINE_DAYS.max}, got ${shown(days)}`);
  }
  return new Date(now.getTime() + n * DAY_MS);
}

/** The same bounds for a deadline given as a date (startRevocation's input). */
export function checkDeadline(deadline: Date | undefined, now: Date, field = "deadline"): void {
  if (!deadline) return;
  if (Number.isNaN(deadline.getTime()) || deadline <= now) throw new InputError(field, "the deadline must be in the future");
  if (deadline.getTime() > now.getTime() + DEADLINE_DAYS.max * DAY_MS) throw new InputError(field, `the deadline is at most ${DEADLINE_DAYS.max} days away`);
}
