import { changeView } from "@/lib/audit/change";

/** One truncated line; field by field (before struck through → after) opens under it, no script needed. */
export function ChangeCell({ before, after }: { before: string | null; after: string | null }) {
  if (before === null && after === null) return <span className="text-slate-400">—</span>;
  const { summary, rows } = changeView(before, after);
  return (
    <details data-testid="audit-change">
      <summary className="cursor-pointer truncate text-slate-600 marker:text-slate-400" title={summary}>{summary || "no change"}</summary>
      <dl className="mt-2 space-y-1 border-t border-slate-100 pt-2 font-mono text-[11px]">
        {rows.map((r) => (
          <div key={r.key} className="[overflow-wrap:anywhere]">
            <dt className="inline text-slate-500">{r.key}: </dt>
            <dd className="inline whitespace-pre-wrap">
              {r.before === r.after ? (
                <span className="text-slate-600">{r.after}</span>
              ) : (
                <>
                  {r.before !== undefined && <del className="text-rose-700">{r.before}</del>}
                  {r.before !== undefined && r.after !== undefined && <span className="text-slate-400"> → </span>}
                  {r.after !== undefined && <ins className="text-emerald-800 no-underline">{r.after}</ins>}
                </>
              )}
            </dd>
          </div>
        ))}
      </dl>
    </details>
  );
}
