"use client";
import { useActionState } from "react";
import { formValues, type FormState } from "./formState";

/**
 * Every form's wiring in one place: the action state, the error per field, and the
 * values to show again after an error (React resets a form after its action).
 */
export function useFormAction<T = unknown>(action: (prev: FormState<T>, form: FormData) => Promise<FormState<T>>) {
  const [state, formAction] = useActionState<FormState<T>, FormData>(action, { status: "idle" });
  const fieldErrors: Record<string, string> = state.status === "error" ? state.fieldErrors : {};
  return { state, formAction, fe: fieldErrors, v: formValues(state) };
}
