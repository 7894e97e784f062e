import { Badge } from "@/components/ui/Card";

export interface AffectedRow {
  serial: string;
  subject: string;
  sans: string;
  notAfter: string;
  /** The revoked certificate itself, as opposed to a collateral one below it. */
  isTarget: boolean;
  /** An earlier pending revocation already awaits this holder's renewal. */
  pendingElsewhere: boolean;
}

const th = "bg-slate-50 px-4 py-2.5 text-left text-xs font-semibold uppercase tracking-wide text-slate-600";
const td = "whitespace-nowrap px-4 py-2.5 text-slate-800";

/**
 * The preview of a prefix revocation: every certificate at or below the revoked serial
 * that devices still accept. A tick excludes a stopped server from the wait.
 */
export function AffectedTable({ rows, stopped, targetStopped, onToggle }: { rows: AffectedRow[]; stopped: ReadonlySet<string>; targetStopped: boolean; onToggle: (serial: string) => void }) {
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table className="min-w-full divide-y divide-slate-200 text-sm" data-testid="affected">
        <thead>
          <tr>
            <th className={th}>Serial</th>
            <th className={th}>Subject</th>
            <th className={th}>SANs</th>
            <th className={th}>Expires</th>
            <th className={th}>Note</th>
            <th className={`${th} text-center`}>Server stopped</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.map((r) => {
            const isTarget = r.isTarget;
            // The reason already stops the target (cessation of operation), and a holder
            // awaited by an earlier revocation is excluded from there, not here.
            const fixed = (isTarget && targetStopped) || r.pendingElsewhere;
            const checked = stopped.has(r.serial);
            return (
              <tr key={r.serial} data-testid={`affected-${r.serial}`} className={checked ? "bg-slate-50 [&>td:not(:last-child)]:opacity-50" : isTarget ? "bg-red-50/50" : ""}>
                <td className={`${td} font-mono`}>{r.serial}</td>
                <td className={`${td} max-w-xs truncate`} title={r.subject}>{r.subject || "—"}</td>
                <td className={`${td} max-w-xs truncate text-slate-600`} title={r.sans}>{r.sans || "—"}</td>
                <td className={td}>{r.notAfter}</td>
                <td className={td}>
                  <span className="flex flex-wrap gap-1">
                    {isTarget && <Badge tone="red">revoked now</Badge>}
                    {!isTarget && <Badge tone="amber">collateral</Badge>}
                    {r.pendingElsewhere && <Badge tone="indigo">already awaiting from an earlier revocation</Badge>}
                  </span>
                </td>
                <td className={`${td} text-center`}>
                  <input
                    type="checkbox"
                    name="exclude"
                    value={r.serial}
                    checked={checked}
                    disabled={fixed}
                    onChange={() => onToggle(r.serial)}
                    aria-label={`Exclude serial ${r.serial} (server stopped)`}
                    className="h-4 w-4 rounded border-slate-300 text-indigo-600 focus:ring-indigo-500 disabled:opacity-50"
                  />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
