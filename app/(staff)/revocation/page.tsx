import Link from "next/link";
import { can } from "@/lib/auth";
import { listIssuers } from "@/lib/issuers/service";
import { currentCrl } from "@/lib/revocation/crlStore";
import { certificatesBySerial, pendingRevocationAuthors, pendingRevocationCounts } from "@/lib/revocation/queries";
import { revocationHistory, revocationStatus } from "@/lib/revocation/status";
import { progressOf } from "@/lib/revocation/progress";
import { renewalMethods } from "@/lib/revocation/renewal";
import { completedRevocations } from "@/lib/revocation/history";
import { RevocationHistory } from "./RevocationHistory";
import { Alert, Badge, Card, PageHeader } from "@/components/ui/Card";
import { PendingRevocation } from "./PendingRevocation";
import { LiveStatus } from "./LiveProgress";
import { RnHistory } from "@/components/revocation/RnHistory";
import { requireUser } from "@/app/_lib/session";
import { dashboardUrl, noticeText } from "./urls";

export const metadata = { title: "Revocation" };

const when = (d: Date) => `${d.toISOString().replace("T", " ").slice(0, 16)} UTC`;

export default async function RevocationPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const me = await requireUser();
  const sp = await searchParams;
  const issuers = await listIssuers();
  if (issuers.length === 0) {
    return (
      <>
        <PageHeader title="Revocation" />
        <Alert kind="info">No issuers yet. <Link className="font-medium underline" href="/issuers/new">Create an issuer</Link> first.</Alert>
      </>
    );
  }
  const pendingCounts = await pendingRevocationCounts();
  // Without a choice, open the issuer that needs attention: the first with a pending revocation.
  const selected = issuers.find((i) => i.name === sp.issuer)?.name ?? issuers.find((i) => pendingCounts.has(i.name))?.name ?? issuers[0].name;
  const status = await revocationStatus(selected);
  const history = await revocationHistory(selected);
  const crl = await currentCrl(selected);
  const serials = status.pending.flatMap((p) => [...p.awaiting, ...p.renewed, ...p.excluded]);
  const certs = await certificatesBySerial(selected, serials);
  const authors = await pendingRevocationAuthors(selected);
  const methods = await renewalMethods(selected);
  const completed = await completedRevocations(selected, Number(sp.hpage) || 1);
  const notice = sp.issuer === selected ? noticeText(sp) : null;
  const canWrite = can(me.role, "certificates:write");
  const repo = `/api/repository/${encodeURIComponent(selected)}`;
  const now = new Date();
  // The first paint's progress; the client polls for newer (LiveProgress.tsx).
  const progress = progressOf(status, now);
  return (
    <>
      <PageHeader title="Revocation" subtitle="Devices accept a certificate only if its serial is at least the issuer's revocation number (RN). Revoking serial S renews everything at or below S, then moves the RN to S+1." />
      {issuers.length > 1 && (
        <nav aria-label="Issuers" className="mb-6 flex flex-wrap gap-1 rounded-lg bg-slate-100 p-1">
          {issuers.map((i) => (
            <Link
              key={i.name}
              href={dashboardUrl(i.name)}
              aria-current={i.name === selected ? "page" : undefined}
              className={`inline-flex items-center gap-2 rounded-md px-3 py-1.5 text-sm font-medium ${i.name === selected ? "bg-white text-slate-900 shadow-sm" : "text-slate-600 hover:text-slate-900"}`}
            >
              {i.name}
              <span className="font-mono text-xs text-slate-500">RN {i.revocationNumber.toString()}</span>
              {pendingCounts.has(i.name) && <Badge tone="amber">{pendingCounts.get(i.name)} pending</Badge>}
            </Link>
          ))}
        </nav>
      )}
      {notice && <div className="mb-6"><Alert kind={notice.kind}>{notice.text}</Alert></div>}
      <div className="mb-8 grid grid-cols-1 gap-6 lg:grid-cols-3">
        <Card title={<>Revocation number of <Link className="text-indigo-700 hover:underline" href={`/issuers/${encodeURIComponent(selected)}`}>{selected}</Link></>}>
          <p className="font-mono text-5xl font-semibold tabular-nums tracking-tight text-slate-900" data-testid="current-rn">{status.revocationNumber.toString()}</p>
          <p className="mt-2 text-sm text-slate-600">Devices reject every certificate of this issuer with a serial below {status.revocationNumber.toString()}.</p>
          <dl className="mt-4 space-y-1.5 border-t border-slate-100 pt-3 text-sm">
            <div className="flex justify-between"><dt className="text-slate-500">Next serial</dt><dd className="font-mono" data-testid="next-serial">{status.nextSerial.toString()}</dd></div>
            <div className="flex justify-between"><dt className="text-slate-500">Pending revocations</dt><dd className="font-mono">{status.pending.length}</dd></div>
            <div className="flex justify-between"><dt className="text-slate-500">RN changes</dt><dd className="font-mono">{history.length}</dd></div>
          </dl>
        </Card>
        <Card title="Published to devices" className="lg:col-span-2">
          <p className="mb-3 text-sm text-slate-600">The repository serves the current RN immediately after every change, signed by the issuer&apos;s CA key; any mirror or CDN may relay it.</p>
          <ul className="grid grid-cols-1 gap-x-6 gap-y-1.5 text-sm md:grid-cols-2">
            <RepoLink href={`${repo}/revocation-info`} label="Revocation information (JSON, signed)" />
            <RepoLink href={`${repo}/revocation-info.der`} label="Revocation information (DER, signed)" />
            <RepoLink href={`${repo}/crl`} label="CRL (DER) for ordinary TLS clients" />
            <RepoLink href={`${repo}/ca.crt?format=pem`} label="CA certificate (PEM)" />
          </ul>
          <dl className="mt-4 grid grid-cols-3 gap-4 border-t border-slate-100 pt-3 text-sm">
            <div><dt className="text-slate-500">CRL number</dt><dd className="font-mono">{crl.crlNumber.toString()}</dd></div>
            <div><dt className="text-slate-500">This update</dt><dd>{when(crl.thisUpdate)}</dd></div>
            <div><dt className="text-slate-500">Next update</dt><dd>{when(crl.nextUpdate)}</dd></div>
          </dl>
        </Card>
      </div>

      <div className="mb-3 flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1">
        <h2 className="text-lg font-semibold text-slate-900">Pending revocations</h2>
        <LiveStatus initial={progress} />
      </div>
      <div className="mb-8 space-y-6">
        {status.pending.length === 0 ? (
          <p className="rounded-lg border border-dashed border-slate-300 bg-white px-5 py-8 text-center text-sm text-slate-600">
            Nothing pending for {selected}. To revoke a certificate, open it from <Link className="text-indigo-700 hover:underline" href={`/certificates?issuer=${encodeURIComponent(selected)}`}>Certificates</Link> and choose <span className="font-medium">Revoke…</span>
          </p>
        ) : (
          // Newest first: the latest revocation is the one the operator just opened.
          [...status.pending].reverse().map((p) => (
            <PendingRevocation key={p.serial.toString()} issuer={selected} rn={status.revocationNumber} p={p} progress={progress} certs={certs} methods={methods} createdBy={authors.get(p.serial)} canWrite={canWrite} now={now} />
          ))
        )}
      </div>

      <h2 id="history" className="mb-3 scroll-mt-4 text-lg font-semibold text-slate-900">Completed revocations</h2>
      <div className="mb-8"><RevocationHistory issuer={selected} page={completed} /></div>

      <h2 className="mb-3 text-lg font-semibold text-slate-900">Revocation number history</h2>
      <RnHistory changes={history} />
    </>
  );
}

function RepoLink({ href, label }: { href: string; label: string }) {
  return (
    <li className="min-w-0">
      <a className="font-medium text-indigo-700 hover:underline" href={href}>{label}</a>
      <span className="block truncate font-mono text-xs text-slate-500">{href}</span>
    </li>
  );
}
