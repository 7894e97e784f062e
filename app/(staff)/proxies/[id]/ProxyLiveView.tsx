"use client";
import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { ProxyLive } from "@/lib/proxies/view";
import { Alert, Badge } from "@/components/ui/Card";
import { EmptyRow, Table, Td, Th } from "@/components/ui/Table";
import { ago, utc } from "../format";

/** Proxies report every 10 s by default; the page follows within a few seconds. */
const POLL_MS = 3_000;

async function fetchLive(id: string): Promise<ProxyLive> {
  const r = await fetch(`/proxies/${encodeURIComponent(id)}/live`, { cache: "no-store" });
  const body = await r.json().catch(() => null);
  if (!r.ok) throw new Error(body?.error ?? `the server answered ${r.status}`);
  return body as ProxyLive;
}

const DECISION_TEXT: Record<string, { text: string; tone: "green" | "red" | "amber" }> = {
  forwarded: { text: "forwarded", tone: "green" },
  "refused-revoked": { text: "refused: server revoked", tone: "red" },
  "refused-unverified": { text: "refused: server unverifiable", tone: "amber" },
  "refused-policy": { text: "refused by policy", tone: "red" },
  "refused-client-cert": { text: "refused: client certificate", tone: "red" },
};

function Counters({ metrics }: { metrics: ProxyLive["metrics"] }) {
  return (
    <Table>
      <thead>
        <tr><Th>Counter</Th><Th>Labels</Th><Th className="text-right">Value</Th></tr>
      </thead>
      <tbody className="divide-y divide-slate-100" data-testid="proxy-counters">
        {metrics.length === 0 && <EmptyRow cols={3}>No counters reported yet.</EmptyRow>}
        {metrics.map((m) => (
          <tr key={`${m.name}{${m.labels}}`}>
            <Td className="font-mono text-xs">{m.name}</Td>
            <Td className="font-mono text-xs text-slate-600">{m.labels || "—"}</Td>
            <Td className="text-right tabular-nums">{m.value.toLocaleString("en")}</Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

function Decisions({ rows }: { rows: ProxyLive["decisions"] }) {
  return (
    <Table>
      <thead>
        <tr><Th>Time</Th><Th>Client</Th><Th>Route → upstream</Th><Th>Upstream serial</Th><Th>Decision</Th><Th>Reason</Th></tr>
      </thead>
      <tbody className="divide-y divide-slate-100" data-testid="proxy-decisions">
        {rows.length === 0 && <EmptyRow cols={6}>No decisions reported yet.</EmptyRow>}
        {rows.map((d) => {
          const k = DECISION_TEXT[d.decision] ?? { text: d.decision, tone: "amber" as const };
          return (
            <tr key={d.seq} className="align-top" data-testid="proxy-decision" data-decision={d.decision}>
              <Td className="text-xs text-slate-600" title={d.at}>{utc(d.at).slice(11)}</Td>
              <Td className="font-mono text-xs">
                {d.client}
                {d.subject && <p className="max-w-56 truncate text-slate-500" title={d.subject}>{d.subject}</p>}
              </Td>
              <Td className="font-mono text-xs">{d.route} → {d.upstream}</Td>
              <Td className="font-mono text-xs">{d.serial ?? "—"}</Td>
              <Td><Badge tone={k.tone}>{k.text}</Badge></Td>
              <Td className="max-w-md whitespace-normal text-xs text-slate-700">{d.reason}</Td>
            </tr>
          );
        })}
      </tbody>
    </Table>
  );
}

/** Last report, counters and decisions: the server's first paint, then a poll every few seconds. */
export function ProxyLiveView({ id, initial }: { id: string; initial: ProxyLive }) {
  const q = useQuery({ queryKey: ["proxy-live", id], queryFn: () => fetchLive(id), initialData: initial, initialDataUpdatedAt: initial.at, refetchInterval: POLL_MS, retry: false });
  const live = q.data && q.data.at >= initial.at ? q.data : initial;
  const [now, setNow] = useState(initial.at);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(t);
  }, []);
  const stale = live.lastReportAt && now - Date.parse(live.lastReportAt) > 60_000;
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center gap-x-6 gap-y-1 text-sm text-slate-700">
        <span>
          Last report: <strong data-testid="proxy-last-report" title={utc(live.lastReportAt)}>{ago(live.lastReportAt, now)}</strong>
          {live.reportCertificateId && <> · signed with <Link className="text-indigo-700 hover:underline" href={`/certificates/${live.reportCertificateId}`}>this certificate</Link></>}
        </span>
        {q.error && <span className="text-amber-700">Live view paused: {(q.error as Error).message}</span>}
      </div>
      {!live.lastReportAt && <Alert kind="info">This proxy has not reported yet. Start it with <code className="font-mono text-xs">--name</code> and <code className="font-mono text-xs">--app</code>; its decisions and counters appear here within seconds of its first report.</Alert>}
      {stale && <Alert kind="warning">No report for over a minute: the proxy may be stopped, or cannot reach this console.</Alert>}
      {live.lastReject && (!live.lastReportAt || live.lastReject.at > live.lastReportAt) && (
        <Alert>Last refused report ({utc(live.lastReject.at)}): {live.lastReject.reason}</Alert>
      )}
      <section className="space-y-2">
        <h3 className="text-sm font-semibold text-slate-800">Last decisions <span className="font-normal text-slate-500">(newest first; {live.decisions.length} shown, the app keeps 500)</span></h3>
        <Decisions rows={live.decisions} />
      </section>
      <section className="space-y-2">
        <h3 className="text-sm font-semibold text-slate-800">Counters <span className="font-normal text-slate-500">(as last reported)</span></h3>
        <Counters metrics={live.metrics} />
      </section>
    </div>
  );
}
