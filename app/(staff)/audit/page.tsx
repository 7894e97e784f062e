import Link from "next/link";
import { AUDIT_ACTIONS, verifyAuditLog } from "@/lib/audit";
import { listAuditEvents } from "@/lib/audit/query";
import { db } from "@/lib/db";
import { Alert, PageHeader } from "@/components/ui/Card";
import { EmptyRow, Table, Td, Th } from "@/components/ui/Table";
import { requireUser } from "@/app/_lib/session";

export const metadata = { title: "Audit log" };

export default async function AuditPage({ searchParams }: { searchParams: Promise<{ action?: string; actor?: string; target?: string; before?: string; verify?: string }> }) {
  await requireUser("audit:read");
  const sp = await searchParams;
  const before = sp.before && /^\d+$/.test(sp.before) ? Number(sp.before) : undefined;
  // Walking the whole chain grows with the log, so it runs when an auditor asks for it.
  const [page, verdict] = await Promise.all([listAuditEvents({ action: sp.action || undefined, actor: sp.actor || undefined, target: sp.target || undefined, before }), sp.verify === "1" ? verifyAuditLog(db()) : null]);
  const qs = (b: number) => new URLSearchParams({ ...(sp.action ? { action: sp.action } : {}), ...(sp.actor ? { actor: sp.actor } : {}), ...(sp.target ? { target: sp.target } : {}), before: String(b) }).toString();
  return (
    <>
      <PageHeader title="Audit log" subtitle="Every change, append-only, each entry chained to the one before by a SHA-256 hash; the head is anchored with a MAC under the master key." />
      <div className="mb-4">
        {!verdict ? (
          <Alert kind="info">
            Every entry is chained to the one before by a SHA-256 hash, and the head and every 1000th entry carry a MAC under the master key, so removed, truncated and rewritten entries show.{" "}
            <Link className="font-medium underline" href="/audit?verify=1">Verify the whole chain</Link> (also: <code>rootline audit verify</code>).
          </Alert>
        ) : verdict.ok ? (
          <Alert kind="success">
            Chain intact: {verdict.count.toLocaleString("en")} entries verified, no gaps; head #{verdict.anchored} <code className="font-mono text-xs">{verdict.head.slice(0, 16)}…</code> matches its MACed anchor
            {verdict.checkpoints > 0 && <>, {verdict.checkpoints.toLocaleString("en")} checkpoints verified</>}.
          </Alert>
        ) : (
          <Alert>Audit log broken at entry #{verdict.seq}: {verdict.problem}</Alert>
        )}
      </div>
      <form className="mb-4 flex flex-wrap items-end gap-3 text-sm">
        <label className="flex flex-col gap-1">Action
          <select name="action" defaultValue={sp.action ?? ""} className="rounded-md border border-slate-300 px-2 py-1.5">
            <option value="">all</option>
            {AUDIT_ACTIONS.map((a) => <option key={a} value={a}>{a}</option>)}
          </select>
        </label>
        <label className="flex flex-col gap-1">Actor contains
          <input name="actor" defaultValue={sp.actor ?? ""} className="rounded-md border border-slate-300 px-2 py-1.5" />
        </label>
        {sp.target && <input type="hidden" name="target" value={sp.target} />}
        <button className="rounded-md bg-slate-800 px-3 py-1.5 font-medium text-white">Filter</button>
        {sp.target && (
          <span className="self-center text-slate-600" data-testid="audit-target">
            Only entries about <code className="font-mono text-xs">{sp.target}</code> · <Link className="text-indigo-700 hover:underline" href="/audit">show all</Link>
          </span>
        )}
      </form>
      <Table>
        <thead><tr><Th>#</Th><Th>When (UTC)</Th><Th>Actor</Th><Th>Action</Th><Th>Target</Th><Th>Change</Th></tr></thead>
        <tbody className="divide-y divide-slate-100">
          {page.events.length === 0 && <EmptyRow cols={6}>No entries.</EmptyRow>}
          {page.events.map((e) => (
            <tr key={e.seq} className="align-top">
              <Td className="font-mono text-xs text-slate-500">{e.seq}</Td>
              <Td>{e.at.toISOString().replace("T", " ").slice(0, 19)}</Td>
              <Td>{e.actor}</Td>
              <Td className="font-medium">{e.action}</Td>
              <Td className="font-mono text-xs">{e.targetType}:{e.targetId.slice(0, 14)}</Td>
              <Td className="max-w-md whitespace-normal font-mono text-xs text-slate-600">
                {e.before && <div><span className="text-slate-400">before </span>{e.before}</div>}
                {e.after && <div><span className="text-slate-400">after </span>{e.after}</div>}
              </Td>
            </tr>
          ))}
        </tbody>
      </Table>
      {page.nextBefore && (
        <div className="mt-4"><Link className="text-sm text-indigo-700 hover:underline" href={`/audit?${qs(page.nextBefore)}`}>Older entries →</Link></div>
      )}
    </>
  );
}
