/** What every form's server action returns: field errors render beside their fields. */
export type FormState<T = unknown> =
  | { status: "idle" }
  | { status: "ok"; message?: string; data?: T }
  | { status: "error"; message: string; fieldErrors: Record<string, string>; values: Record<string, string> };

/** The values to show in a form: the echo after an error, else nothing. */
export function formValues(state: FormState<unknown>): Record<string, string> {
  return state.status === "error" ? state.values : {};
}
