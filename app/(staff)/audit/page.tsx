import Link from "next/link";
import { AUDIT_ACTIONS, verifyAuditLog } from "@/lib/audit";
import { can } from "@/lib/auth";
import { actionLabel } from "@/lib/audit/labels";
import { auditFilterParams, listAuditEvents, parseAuditFilter, type AuditFilter, type AuditPage } from "@/lib/audit/query";
import { resolveAuditTargets } from "@/lib/audit/targets";
import { db } from "@/lib/db";
import { InputError } from "@/lib/errors";
import { Alert, PageHeader } from "@/components/ui/Card";
import { EmptyRow, Table, Td, Th } from "@/components/ui/Table";
import { AuditTargetLink } from "@/components/audit/AuditTargetLink";
import { ChangeCell } from "@/components/audit/ChangeCell";
import { requireUser } from "@/app/_lib/session";

export const metadata = { title: "Audit log" };

type SP = Record<string, string | undefined>;

const TARGET_TYPES = ["certificate", "issuer", "user", "topology", "lineage", "proxy", "revocation", "rotation-run", "api-token", "master-key", "audit"];
const INPUT = "rounded-md border border-slate-300 px-2 py-1.5";

export default async function AuditPage({ searchParams }: { searchParams: Promise<SP> }) {
  const me = await requireUser("audit:read");
  const sp = await searchParams;
  const before = sp.before && /^\d+$/.test(sp.before) ? Number(sp.before) : undefined;
  let filter: AuditFilter = {};
  let invalid: InputError | null = null;
  try {
    filter = parseAuditFilter(sp);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    invalid = e;
  }
  // Walking the whole chain grows with the log, so it runs when an auditor asks for it.
  const [page, verdict] = await Promise.all([
    invalid ? ({ events: [], nextBefore: null } satisfies AuditPage) : listAuditEvents({ ...filter, before }),
    sp.verify === "1" ? verifyAuditLog(db()) : null,
  ]);
  const targets = await resolveAuditTargets(page.events);
  const manageUsers = can(me.role, "users:manage");
  const params = auditFilterParams(sp);
  const filtered = params.size > 0;
  const link = (extra: Record<string, string>) => `/audit?${new URLSearchParams({ ...Object.fromEntries(params), ...extra })}`;
  const exportHref = (format: string) => link({ format }).replace("/audit?", "/audit/export?");
  return (
    <>
      <PageHeader
        title="Audit log"
        subtitle="Every change, append-only, each entry chained to the one before by a SHA-256 hash; the head is anchored with a MAC under the master key."
        actions={
          <span className="text-sm text-slate-600">
            Export {filtered ? "this view" : "all"}:{" "}
            <a className="font-medium text-indigo-700 hover:underline" href={exportHref("csv")} download data-testid="export-csv">CSV</a>
            {" · "}
            <a className="font-medium text-indigo-700 hover:underline" href={exportHref("jsonl")} download data-testid="export-jsonl">JSON lines</a>
          </span>
        }
      />
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
      <form className="mb-4 flex flex-wrap items-end gap-3 text-sm" data-testid="audit-filter">
        <label className="flex flex-col gap-1">From (UTC)
          <input type="date" name="from" defaultValue={sp.from ?? ""} className={INPUT} />
        </label>
        <label className="flex flex-col gap-1">To (UTC, inclusive)
          <input type="date" name="to" defaultValue={sp.to ?? ""} className={INPUT} />
        </label>
        <label className="flex flex-col gap-1">Actor contains
          <input name="actor" defaultValue={sp.actor ?? ""} placeholder="e.g. alice@ or system:" className={`${INPUT} w-40`} />
        </label>
        <label className="flex flex-col gap-1">Action
          <select name="action" defaultValue={sp.action ?? ""} className={`${INPUT} w-56`}>
            <option value="">all</option>
            {[...AUDIT_ACTIONS].sort((a, b) => actionLabel(a).localeCompare(actionLabel(b))).map((a) => <option key={a} value={a}>{actionLabel(a)}</option>)}
          </select>
        </label>
        <label className="flex flex-col gap-1">Target type
          <select name="type" defaultValue={sp.type ?? ""} className={INPUT}>
            <option value="">any</option>
            {TARGET_TYPES.map((t) => <option key={t} value={t}>{t}</option>)}
          </select>
        </label>
        <label className="flex flex-col gap-1">Target
          <input name="target" defaultValue={sp.target ?? ""} placeholder="name, email or id" className={`${INPUT} w-40`} />
        </label>
        <button className="rounded-md bg-slate-800 px-3 py-1.5 font-medium text-white">Filter</button>
        {filtered && <Link className="py-1.5 text-indigo-700 hover:underline" href="/audit">Clear</Link>}
      </form>
      {sp.target && (
        <p className="mb-3 text-sm text-slate-600" data-testid="audit-target">
          Only entries about <code className="font-mono text-xs">{sp.target}</code> · <Link className="text-indigo-700 hover:underline" href="/audit">show all</Link>
        </p>
      )}
      {invalid && <div className="mb-4"><Alert>{invalid.field === "to" ? "To" : "From"}: {invalid.message}</Alert></div>}
      <Table className="w-full table-fixed">
        <colgroup>
          <col className="w-44" />
          <col className="w-56" />
          <col className="w-52" />
          <col className="w-52" />
          <col />
        </colgroup>
        <thead><tr><Th>When (UTC)</Th><Th>Actor</Th><Th>Action</Th><Th>Target</Th><Th>Change</Th></tr></thead>
        <tbody className="divide-y divide-slate-100">
          {page.events.length === 0 && <EmptyRow cols={5}>{filtered ? "No entries match this filter." : "No entries."}</EmptyRow>}
          {page.events.map((e) => (
            <tr key={e.seq} className="align-top" data-testid="audit-row">
              <Td className="tabular-nums">
                {e.at.toISOString().replace("T", " ").slice(0, 19)}
                <span className="block font-mono text-[11px] text-slate-400">#{e.seq}</span>
              </Td>
              <Td className="truncate" title={e.actor}>
                <span className="text-slate-400">{e.actor.slice(0, e.actor.indexOf(":") + 1)}</span>
                {e.actor.slice(e.actor.indexOf(":") + 1)}
              </Td>
              <Td className="truncate">
                <span className="font-medium">{actionLabel(e.action)}</span>
                {/* The inventory's name, as docs/AUDIT_EVENTS.md and the exports spell it. */}
                <span className="block truncate font-mono text-[11px] text-slate-400">{e.action}</span>
              </Td>
              <Td>{targets.get(e.seq) && <AuditTargetLink target={targets.get(e.seq)!} manageUsers={manageUsers} />}</Td>
              <Td className="whitespace-normal text-xs"><ChangeCell before={e.before} after={e.after} /></Td>
            </tr>
          ))}
        </tbody>
      </Table>
      <div className="mt-4 flex gap-6 text-sm">
        {before && <Link className="text-indigo-700 hover:underline" href={link({})}>← Newest</Link>}
        {page.nextBefore && <Link className="text-indigo-700 hover:underline" href={link({ before: String(page.nextBefore) })}>Older entries →</Link>}
      </div>
    </>
  );
}
