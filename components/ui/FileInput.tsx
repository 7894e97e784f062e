"use client";
import { useEffect, useRef, useState } from "react";

/**
 * A file input that keeps its file when the form's action fails: React resets a form
 * after its action, and a reset empties file inputs (a server cannot echo a file back the
 * way it echoes text). The chosen File is remembered and put back after the reset; where
 * the browser refuses that (no DataTransfer), its name is shown with a prompt to choose
 * it again, so the loss is never silent.
 */
export function FileInput({ name, label, accept }: { name: string; label: string; accept?: string }) {
  const ref = useRef<HTMLInputElement>(null);
  const chosen = useRef<File | null>(null);
  const [lost, setLost] = useState<string | null>(null);
  useEffect(() => {
    const input = ref.current;
    const form = input?.form;
    if (!input || !form) return;
    const onReset = () => {
      const file = chosen.current;
      if (!file) return;
      // The reset event comes before the fields are cleared: restore afterwards.
      setTimeout(() => {
        try {
          const dt = new DataTransfer();
          dt.items.add(file);
          input.files = dt.files;
          setLost(input.files?.length ? null : file.name);
        } catch {
          setLost(file.name);
        }
      });
    };
    form.addEventListener("reset", onReset);
    return () => form.removeEventListener("reset", onReset);
  }, []);
  return (
    <div>
      <input
        ref={ref}
        type="file"
        name={name}
        aria-label={label}
        accept={accept}
        className="text-sm"
        onChange={(e) => {
          chosen.current = e.currentTarget.files?.[0] ?? null;
          setLost(null);
        }}
      />
      {lost && (
        <p role="status" className="mt-1 text-xs text-amber-800" data-testid={`${name}-lost`}>
          Your browser cleared the file “{lost}” after the error: choose it again.
        </p>
      )}
    </div>
  );
}
