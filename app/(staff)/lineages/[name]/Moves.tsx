import Link from "next/link";
import type { GenerationView } from "@/lib/generations/view";
import { Badge, Card } from "@/components/ui/Card";
import { Table, Td, Th } from "@/components/ui/Table";
import { day } from "../format";

/** The short form in the generations table: "moved: x of y", or when the move will open. */
export function MoveCell({ g }: { g: GenerationView }) {
  const m = g.move;
  if (!m.opened) return <span className="whitespace-nowrap text-xs text-slate-500" title="When the generation is revoked, or at this date (30 days before it expires), its application servers are asked to renew from the next generation.">from {day(m.switchAt)}</span>;
  return (
    <span className="whitespace-nowrap text-xs" data-testid={`moved-${g.n}`}>
      moved: <strong className="tabular-nums">{m.moved.toLocaleString("en")} of {m.total.toLocaleString("en")}</strong>
      {m.excluded > 0 && <span className="text-slate-500"> ({m.excluded} stopped)</span>}
    </span>
  );
}

/** Who has not moved yet, per generation whose move is open: they still hold a certificate of the old CA. */
export function NotMoved({ generations }: { generations: GenerationView[] }) {
  const open = generations.filter((g) => g.move.opened);
  if (open.length === 0) return null;
  return (
    <Card title="Application servers moving to the next generation" className="mt-6">
      <div className="space-y-4 text-sm" data-testid="moves">
        {open.map((g) => (
          <div key={g.n}>
            <p className="text-slate-800">
              Generation {g.n} → <strong>{g.move.opened!.successor}</strong> (asked on {day(g.move.opened!.at)}{g.move.opened!.deadline && <>, until {day(g.move.opened!.deadline)}</>}):{" "}
              moved: <strong>{g.move.moved} of {g.move.total}</strong>{g.move.excluded > 0 && <> ({g.move.excluded} stopped)</>}{" "}
              {g.move.opened!.settled && <Badge tone="green">settled</Badge>}
            </p>
            {g.move.notMoved.length > 0 ? (
              <Table>
                <thead><tr><Th>Serial</Th><Th>Subject</Th><Th>SANs</Th><Th>Request</Th></tr></thead>
                <tbody className="divide-y divide-slate-100" data-testid={`not-moved-${g.n}`}>
                  {g.move.notMoved.map((c) => (
                    <tr key={String(c.serial)}>
                      <Td className="font-mono"><Link className="text-indigo-700 hover:underline" href={`/issuers/${encodeURIComponent(g.issuer)}`}>{String(c.serial)}</Link></Td>
                      <Td className="font-mono text-xs">{c.subject}</Td>
                      <Td className="text-xs">{c.sans}</Td>
                      <Td><Badge tone={c.status === "pending" ? "amber" : "slate"}>{c.status === "pending" ? "not moved yet" : "closed, not moved"}</Badge></Td>
                    </tr>
                  ))}
                </tbody>
              </Table>
            ) : (
              <p className="text-slate-500">Every server asked has moved.</p>
            )}
          </div>
        ))}
        <p className="text-xs text-slate-500">Holders renew as after a revocation — with their one-time renewal token or a signature by their current key — at <code className="rounded bg-slate-100 px-1">/api/renewal/&lt;issuer&gt;/&lt;serial&gt;</code>; the replacement comes from the next generation.</p>
      </div>
    </Card>
  );
}
