import Link from "next/link";
import { Badge } from "@/components/ui/Card";
import { EmptyRow, Table, Td, Th } from "@/components/ui/Table";
import { REVOCATION_REASON_LABELS, type RevocationReason } from "@/lib/pki/reasons";
import type { HistoryEntry } from "@/lib/revocation/history";
import { actorWord, orderWord } from "@/lib/revocation/words";

export const when = (d: Date | null) => (d ? `${d.toISOString().replace("T", " ").slice(0, 16)} UTC` : "—");
const reasonLabel = (r: string) => REVOCATION_REASON_LABELS[r as RevocationReason] ?? r;

/** What became of its holders, in one line: "3 renewed · 1 excluded · 2 cut off". */
function outcome(c: HistoryEntry["counts"], move: boolean) {
  const parts = [c.renewed && `${c.renewed} ${move ? "moved" : "renewed"}`, c.excluded && `${c.excluded} excluded`, c.closed && `${c.closed} ${move ? "not moved" : "cut off"}`].filter(Boolean);
  return parts.length ? parts.join(" · ") : "nobody had to renew";
}

/** Completed revocations of one issuer, newest first, paginated by `hpage`. */
export function RevocationHistory({ issuer, page }: { issuer: string; page: { rows: HistoryEntry[]; total: number; page: number; pages: number } }) {
  const link = (p: number) => `/revocation?${new URLSearchParams({ issuer, hpage: String(p) }).toString()}#history`;
  return (
    <>
      <Table>
        <thead>
          <tr><Th>Revocation</Th><Th>Order</Th><Th>Holders</Th><Th>Opened</Th><Th>Completed</Th></tr>
        </thead>
        <tbody className="divide-y divide-slate-100" data-testid="revocation-history">
          {page.rows.length === 0 && <EmptyRow cols={5}>No revocation of {issuer} has completed yet. Pending ones are listed above until they do.</EmptyRow>}
          {page.rows.map((r) => {
            const move = r.order === "generation";
            return (
              <tr key={r.id} data-testid={`history-${r.id}`}>
                <Td>
                  <Link className="font-medium text-indigo-700 hover:underline" href={`/revocation/${r.id}`}>
                    {move ? "Servers moved" : <>Serial <span className="font-mono">{r.serial.toString()}</span></>}
                  </Link>
                  {!move && <span className="ml-2 text-xs text-slate-600">{reasonLabel(r.reason)}</span>}
                </Td>
                <Td>{orderWord(r.order, r.successor)}</Td>
                <Td className="whitespace-normal">{outcome(r.counts, move)}</Td>
                <Td className="text-slate-600">{when(r.createdAt)}<span className="block text-xs">by {actorWord(r.createdBy)}</span></Td>
                <Td className="text-slate-600">{when(r.completedAt)} {r.forced && <Badge tone="amber">forced</Badge>}</Td>
              </tr>
            );
          })}
        </tbody>
      </Table>
      {page.pages > 1 && (
        <nav aria-label="Revocation history pages" className="mt-3 flex items-center justify-between text-sm">
          <span className="text-slate-600">Page {page.page} of {page.pages} · {page.total} completed</span>
          <span className="flex gap-4">
            {page.page > 1 && <Link className="text-indigo-700 hover:underline" href={link(page.page - 1)}>← Newer</Link>}
            {page.page < page.pages && <Link className="text-indigo-700 hover:underline" href={link(page.page + 1)}>Older →</Link>}
          </span>
        </nav>
      )}
    </>
  );
}
