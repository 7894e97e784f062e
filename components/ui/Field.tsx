import type { ReactNode } from "react";

/** Label + control + the error for that field (ids tie them together for screen readers and tests). */
export function Field({ label, name, error, hint, children }: { label: string; name: string; error?: string; hint?: ReactNode; children: ReactNode }) {
  return (
    <div className="space-y-1">
      <label htmlFor={name} className="block text-sm font-medium text-slate-700">
        {label}
      </label>
      {children}
      {hint && !error && <p className="text-xs text-slate-500">{hint}</p>}
      {error && (
        <p id={`${name}-error`} role="alert" className="text-sm text-red-700" data-field-error={name}>
          {error}
        </p>
      )}
    </div>
  );
}

const control =
  "block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-200 aria-[invalid=true]:border-red-500";

export function Input(props: React.InputHTMLAttributes<HTMLInputElement> & { name: string; invalid?: boolean }) {
  const { invalid, ...rest } = props;
  return <input id={props.name} aria-invalid={invalid || undefined} aria-describedby={invalid ? `${props.name}-error` : undefined} className={control} {...rest} />;
}

/**
 * React applies a select's defaultValue only when it mounts, and resets the form to it
 * after an action: the value echoed back after an error would be ignored and the choice
 * would fall back to the first option (the wrong issuer, a role with more rights). Keyed
 * by its default, the select mounts afresh with the echoed value.
 */
export function Select(props: React.SelectHTMLAttributes<HTMLSelectElement> & { name: string; invalid?: boolean }) {
  const { invalid, ...rest } = props;
  return <select key={String(props.defaultValue ?? "")} id={props.name} aria-invalid={invalid || undefined} className={control} {...rest} />;
}

export function Textarea(props: React.TextareaHTMLAttributes<HTMLTextAreaElement> & { name: string; invalid?: boolean }) {
  const { invalid, ...rest } = props;
  return <textarea id={props.name} aria-invalid={invalid || undefined} className={`${control} font-mono text-xs`} {...rest} />;
}
