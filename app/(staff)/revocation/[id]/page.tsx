import Link from "next/link";
import { notFound } from "next/navigation";
import { Alert, Badge, Card, PageHeader } from "@/components/ui/Card";
import { EmptyRow, Table, Td, Th } from "@/components/ui/Table";
import { NotFoundError } from "@/lib/errors";
import { REVOCATION_REASON_LABELS, type RevocationReason } from "@/lib/pki/reasons";
import { revocationDetail, type HolderFate } from "@/lib/revocation/history";
import { actorWord, methodWord, orderWord } from "@/lib/revocation/words";
import { requireUser } from "@/app/_lib/session";
import { dashboardUrl } from "../urls";
import { when } from "../RevocationHistory";

export const metadata = { title: "Revocation" };

const FATE: Record<string, { word: string; tone: "green" | "slate" | "red" | "amber" }> = {
  renewed: { word: "renewed", tone: "green" },
  excluded: { word: "excluded · stopped", tone: "slate" },
  closed: { word: "cut off", tone: "red" },
  pending: { word: "awaiting renewal", tone: "amber" },
};

/** One revocation, pending or completed: every holder's fate, how, by whom and when. */
export default async function RevocationDetailPage({ params }: { params: Promise<{ id: string }> }) {
  await requireUser();
  const { id } = await params;
  const r = await revocationDetail(id).catch((e) => (e instanceof NotFoundError ? notFound() : Promise.reject(e)));
  const move = r.order === "generation";
  const title = move ? <>Servers of {r.issuer} {orderWord(r.order, r.successor)}</> : <>Revocation of serial <span className="font-mono">{r.serial.toString()}</span></>;
  const back = <Link className="text-sm font-medium text-indigo-700 hover:underline" href={`${dashboardUrl(r.issuer)}#history`}>← Revocation of {r.issuer}</Link>;
  return (
    <>
      <PageHeader title={title} subtitle={<>Issuer <Link className="text-indigo-700 hover:underline" href={`/issuers/${encodeURIComponent(r.issuer)}`}>{r.issuer}</Link></>} actions={back} />
      {r.status === "pending" && <div className="mb-4"><Alert kind="info">Still pending: <Link className="font-medium underline" href={dashboardUrl(r.issuer)}>renew, exclude or complete it on the revocation page</Link>.</Alert></div>}
      <Card title="Summary" className="mb-6">
        <dl className="grid grid-cols-1 gap-4 text-sm md:grid-cols-4" data-testid="revocation-summary">
          <div><dt className="text-slate-500">{move ? "Cause" : "Reason"}</dt><dd>{move ? "next CA generation" : (REVOCATION_REASON_LABELS[r.reason as RevocationReason] ?? r.reason)}</dd></div>
          <div><dt className="text-slate-500">Order</dt><dd>{orderWord(r.order, r.successor)}</dd></div>
          <div><dt className="text-slate-500">Opened</dt><dd>{when(r.createdAt)}<span className="block text-slate-600">by {actorWord(r.createdBy)}</span></dd></div>
          <div>
            <dt className="text-slate-500">Completed</dt>
            <dd>
              {r.completedAt ? <>{when(r.completedAt)} {r.forced && <Badge tone="amber">forced</Badge>}<span className="block text-slate-600">by {actorWord(r.completedBy)}</span></> : "not yet"}
              {r.completedAt && !move && <span className="block text-slate-600">revocation number → <span className="font-mono">{(r.serial + 1n).toString()}</span>{r.order === "raise-first" ? " (already when it opened)" : ""}</span>}
            </dd>
          </div>
        </dl>
      </Card>
      <Card title={`Holders (${r.holders.length})`}>
        <Table>
          <thead>
            <tr><Th>Serial</Th><Th>Subject</Th><Th>Outcome</Th><Th>How</Th><Th>By</Th><Th>When</Th></tr>
          </thead>
          <tbody className="divide-y divide-slate-100" data-testid="holder-fates">
            {r.holders.length === 0 && <EmptyRow cols={6}>Nobody had to renew.</EmptyRow>}
            {r.holders.map((h) => <HolderRow key={h.serial.toString()} h={h} move={move} />)}
          </tbody>
        </Table>
      </Card>
    </>
  );
}

function HolderRow({ h, move }: { h: HolderFate; move: boolean }) {
  const f = FATE[h.fate] ?? { word: h.fate, tone: "slate" as const };
  const how = h.fate === "renewed" ? methodWord(h.method) : h.fate === "excluded" ? (h.excludedAtOpening ? "in the revocation form" : "excluded later") : h.fate === "closed" ? (move ? "did not move before it settled" : "not renewed when it completed") : "—";
  return (
    <tr data-testid={`holder-${h.serial}`}>
      <Td className="font-mono"><Link className="text-indigo-700 hover:underline" href={`/certificates/${h.certificateId}`}>{h.serial.toString()}</Link></Td>
      <Td className="max-w-sm truncate" title={h.subject}>{h.subject || "—"}</Td>
      <Td>
        <Badge tone={f.tone}>{move && h.fate === "renewed" ? "moved" : f.word}</Badge>
        {h.replacement && <span className="ml-2 text-xs text-slate-600">→ <Link className="font-mono text-indigo-700 hover:underline" href={`/certificates/${h.replacement.id}`}>{h.replacement.serial.toString()}</Link>{move ? ` of ${h.replacement.issuer}` : ""}</span>}
      </Td>
      <Td data-testid="how">{how ?? "—"}</Td>
      <Td>{h.fate === "pending" ? "—" : actorWord(h.by)}</Td>
      <Td className="text-slate-600">{when(h.at)}</Td>
    </tr>
  );
}
