"use client";
import { useState } from "react";

export interface IssuedToken {
  serial: string;
  subject: string;
  token: string;
}

/**
 * One-time renewal tokens, shown once: only their hashes are stored, so this is the
 * only moment anyone can read them. Each value is selectable in one click and has a
 * copy button; "Copy all" gives one "serial<TAB>token" line per holder.
 */
export function TokenList({ issuer, tokens }: { issuer: string; tokens: IssuedToken[] }) {
  const all = tokens.map((t) => `${t.serial}\t${t.token}`).join("\n");
  return (
    <div className="space-y-3">
      <div className="overflow-x-auto rounded-lg border border-slate-200">
        <table className="min-w-full divide-y divide-slate-200 text-sm" data-testid="renewal-tokens">
          <thead>
            <tr>
              {["Serial", "Holder", "Renewal token", ""].map((h, i) => (
                <th key={i} className="bg-slate-50 px-4 py-2.5 text-left text-xs font-semibold uppercase tracking-wide text-slate-600">{h}</th>
              ))}
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {tokens.map((t) => (
              <tr key={t.serial}>
                <td className="whitespace-nowrap px-4 py-2.5 font-mono">{t.serial}</td>
                <td className="max-w-xs truncate px-4 py-2.5" title={t.subject}>{t.subject || "—"}</td>
                <td className="px-4 py-2.5">
                  <code className="select-all break-all rounded bg-slate-100 px-2 py-1 font-mono text-xs text-slate-900" data-testid={`token-${t.serial}`}>{t.token}</code>
                </td>
                <td className="whitespace-nowrap px-4 py-2.5 text-right"><CopyButton text={t.token} label={`Copy token for serial ${t.serial}`} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="flex items-center justify-between gap-4">
        <p className="text-xs text-slate-600">
          A holder renews with <code className="font-mono">POST /api/renewal/{issuer}/&lt;serial&gt;</code> and the body <code className="font-mono">{`{"csr": "<PEM>", "token": "<token>"}`}</code>. Each token works once.
        </p>
        <CopyButton text={all} label="Copy all" />
      </div>
    </div>
  );
}

function CopyButton({ text, label }: { text: string; label: string }) {
  const [done, setDone] = useState<"copied" | "failed" | null>(null);
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setDone("copied");
    } catch {
      // No clipboard outside a secure context (plain HTTP): the values are select-all instead.
      setDone("failed");
    }
  }
  return (
    <button type="button" onClick={copy} aria-label={label} className="shrink-0 whitespace-nowrap rounded-md px-2.5 py-1 text-xs font-semibold text-indigo-700 ring-1 ring-inset ring-indigo-200 hover:bg-indigo-50">
      {done === "copied" ? "Copied" : done === "failed" ? "Select and copy by hand" : label.startsWith("Copy all") ? "Copy all" : "Copy"}
    </button>
  );
}
