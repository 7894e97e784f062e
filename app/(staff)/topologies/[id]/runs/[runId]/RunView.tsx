"use client";
import Link from "next/link";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import type { LinkView, NodeView, RunDetail, RunLive, TaskView } from "@/lib/rotation-run/view";
import { Alert, Badge, Card } from "@/components/ui/Card";
import { EmptyRow, Table, Td, Th } from "@/components/ui/Table";
import { TASK_STATE_TONE } from "@/components/topology/colors";
import { formatRoute, KIND_TEXT } from "@/components/topology/model/procedure";
import { createOverlays, OverlayContext } from "@/components/topology/overlay";
import { StepList } from "@/components/topology/StepList";
import { TaskGraph } from "@/components/topology/TaskGraph";
import { RunStateBadge } from "../RunStateBadge";
import { ResumeForm } from "./ResumeForm";

/** While a run goes on, agents report every poll interval: the page follows within a second. */
const POLL_RUNNING_MS = 1_000;
/** A finished or failed run's agents still report stores and handshakes (an operator fixing a node). */
const POLL_IDLE_MS = 5_000;

async function fetchLive(topologyId: string, runId: string): Promise<RunLive> {
  const r = await fetch(`/topologies/${encodeURIComponent(topologyId)}/runs/${encodeURIComponent(runId)}/state`, { cache: "no-store" });
  const body = await r.json().catch(() => null);
  if (!r.ok) throw new Error(body?.error ?? `the server answered ${r.status}`);
  return body as RunLive;
}

const newer = (a: RunLive | undefined, b: RunLive) => (a && a.at > b.at ? a : b);

/** The run's live state: the server's first paint, then whatever a poll brings that is newer. */
function useRunLive(topologyId: string, initial: RunLive) {
  const q = useQuery({
    queryKey: ["rotation-run", initial.id],
    queryFn: () => fetchLive(topologyId, initial.id),
    initialData: initial,
    initialDataUpdatedAt: initial.at,
    refetchInterval: (query) => (newer(query.state.data, initial).state === "running" ? POLL_RUNNING_MS : POLL_IDLE_MS),
    retry: false,
  });
  return { data: newer(q.data, initial), error: q.error, fetching: q.isFetching };
}

const utc = (s: string | null) => (s ? `${s.replace("T", " ").slice(0, 19)} UTC` : "—");

function ago(at: string | null, now: number): string {
  if (!at) return "never";
  const s = Math.max(0, Math.round((now - Date.parse(at)) / 1000));
  if (s < 2) return "just now";
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

function Progress({ c }: { c: RunLive["counts"] }) {
  const pct = (n: number) => `${c.total ? (100 * n) / c.total : 0}%`;
  const onWay = c.sent + c.delivered;
  return (
    <div className="space-y-1.5">
      <div className="flex h-2.5 w-full overflow-hidden rounded-full bg-slate-200" aria-hidden>
        <div className="bg-emerald-500" style={{ width: pct(c.succeeded) }} />
        <div className="bg-sky-400" style={{ width: pct(onWay) }} />
        <div className="bg-red-500" style={{ width: pct(c.failed) }} />
      </div>
      <p className="text-sm text-slate-700" data-testid="run-counts">
        <span className="font-semibold">{c.succeeded} of {c.total}</span> tasks succeeded
        <span className="text-slate-500"> · {onWay} on their way · {c.waiting} waiting</span>
        {c.failed > 0 && <span className="font-semibold text-red-700"> · {c.failed} failed</span>}
      </p>
    </div>
  );
}

function StateLegend() {
  const item = (state: keyof typeof TASK_STATE_TONE, text: string) => (
    <span className="inline-flex items-center gap-1.5">
      <span className={`inline-block h-3 w-4 rounded-sm border ${TASK_STATE_TONE[state]}`} /> {text}
    </span>
  );
  return (
    <p className="flex flex-wrap gap-4 text-xs text-slate-600" aria-label="Task colours">
      {item("waiting", "waiting for earlier tasks")}
      {item("sent", "sent / delivered to the node")}
      {item("succeeded", "succeeded")}
      {item("failed", "failed")}
      <span className="inline-flex items-center gap-1.5"><span className="inline-block h-3 w-4 rounded-sm border border-slate-300 ring-2 ring-red-300" /> retrying after an error</span>
    </p>
  );
}

/** What a root or certificate in a node's store is, relative to this run. */
function RootLabel({ subject, selfSigned, detail }: { subject: string; selfSigned: boolean; detail: RunDetail }) {
  const kind = !selfSigned ? "bridge root" : subject === detail.newSubject ? "new root" : subject === detail.oldSubject ? "old root" : null;
  const tone = kind === "new root" ? "green" : kind === "bridge root" ? "indigo" : "slate";
  return (
    <li className="flex items-center gap-1.5" title={kind === "bridge root" ? "The new key, signed by the old root (SPEC: distribution root certificate)" : undefined}>
      {kind && <Badge tone={tone}>{kind}</Badge>}
      <span className="font-mono text-xs">{subject}</span>
    </li>
  );
}

function NodesTable({ nodes, detail, now }: { nodes: NodeView[]; detail: RunDetail; now: number }) {
  const reported = nodes.some((n) => n.reportedAt);
  return (
    <Table>
      <thead>
        <tr><Th>Node</Th><Th>Roots held</Th><Th>Certificates held</Th><Th>Waiting messages</Th><Th>Last report</Th></tr>
      </thead>
      <tbody className="divide-y divide-slate-100" data-testid="run-nodes">
        {nodes.length === 0 && <EmptyRow cols={5}>This group has no nodes.</EmptyRow>}
        {!reported && nodes.length > 0 && (
          <tr><td colSpan={5} className="bg-amber-50 px-4 py-3 text-sm text-amber-900">No agent has reported yet. Start each node&apos;s agent (<code className="font-mono text-xs">rootline agent --dir …</code>); stores and handshakes appear here as agents report.</td></tr>
        )}
        {nodes.map((n) => (
          <tr key={n.node} className="align-top" data-testid={`run-node-${n.node}`}>
            <Td className="font-mono font-medium">{n.node}</Td>
            <Td className="whitespace-normal">
              {n.store ? (
                <ul className="space-y-1">{n.store.roots.map((r) => <RootLabel key={r.fingerprint} subject={r.subject} selfSigned={r.selfSigned} detail={detail} />)}</ul>
              ) : (
                <span className="text-slate-400">{n.reportedAt ? "nothing in this group" : "not reported"}</span>
              )}
            </Td>
            <Td className="whitespace-normal">
              {n.store && n.store.certificates.length > 0 ? (
                <ul className="space-y-1">
                  {n.store.certificates.map((c, i) => (
                    <li key={c.fingerprint} className="flex items-center gap-1.5">
                      <Badge tone={c.issuer === detail.newSubject ? "green" : "slate"}>{i === 0 ? "presented" : "kept"}</Badge>
                      <span className="text-xs">signed by <span className="font-mono">{c.issuer}</span>, serial <span className="font-mono">{c.serial}</span></span>
                    </li>
                  ))}
                </ul>
              ) : (
                <span className="text-slate-400">{n.store ? "none (presents no certificate)" : "not reported"}</span>
              )}
            </Td>
            <Td className="tabular-nums">{n.pending ?? "—"}</Td>
            <Td className="text-slate-600" title={utc(n.reportedAt)}>
              {!n.reportedAt ? (
                <span className="text-slate-400">no report yet</span>
              ) : n.silent ? (
                <span className="text-amber-800" data-testid="node-silent">{ago(n.reportedAt, now)}: agent silent?</span>
              ) : (
                ago(n.reportedAt, now)
              )}
            </Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

const HEALTH_TONE = { ok: "green", fallback: "amber", failed: "red", unknown: "slate" } as const;
const HEALTH_TEXT = { ok: "ok", fallback: "fallback to old certificate", failed: "failed", unknown: "no report" } as const;

function LinksTable({ links, now }: { links: LinkView[]; now: number }) {
  return (
    <Table>
      <thead>
        <tr><Th>Link (client → server)</Th><Th>Authentication</Th><Th>Handshake</Th><Th>Why</Th><Th>Client&apos;s last handshake</Th><Th>Server&apos;s last handshake</Th></tr>
      </thead>
      <tbody className="divide-y divide-slate-100" data-testid="run-links">
        {links.length === 0 && <EmptyRow cols={6}>This group has no links.</EmptyRow>}
        {links.map((l) => (
          <tr key={`${l.client}>${l.server}`} className="align-top" data-testid={`run-link-${l.client}-${l.server}`} data-health={l.health}>
            <Td className="font-mono">{l.client} → {l.server}</Td>
            <Td>{l.auth}</Td>
            <Td>
              <span className="flex flex-wrap items-center gap-1">
                <Badge tone={HEALTH_TONE[l.health]}>{HEALTH_TEXT[l.health]}</Badge>
                {l.silent && <span data-testid="link-silent"><Badge tone="amber">silent</Badge></span>}
              </span>
            </Td>
            <Td className="text-xs text-slate-700">
              <div className="w-64 whitespace-normal">
                {l.silent && <p className="text-amber-800">No handshake for {ago(l.lastAt, now).replace(" ago", "")}: is an agent down?</p>}
                {l.reason ?? ""}
              </div>
            </Td>
            <Td className="text-xs">{l.clientEnd ? `${l.clientEnd.result} · ${ago(l.clientEnd.at, now)}` : <span className="text-slate-400">—</span>}</Td>
            <Td className="text-xs">{l.serverEnd ? `${l.serverEnd.result} · ${ago(l.serverEnd.at, now)}` : <span className="text-slate-400">—</span>}</Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

function RetriesTable({ tasks, detail }: { tasks: TaskView[]; detail: RunDetail }) {
  const planned = useMemo(() => new Map(detail.plan.tasks.map((t) => [t.id, t])), [detail.plan]);
  const troubled = tasks.filter((t) => t.attempts > 1 || t.lastError || t.state === "failed");
  return (
    <Table>
      <thead>
        <tr><Th>Task</Th><Th>State</Th><Th>Attempts</Th><Th>Failures in a row</Th><Th>Last error</Th><Th>Route</Th></tr>
      </thead>
      <tbody className="divide-y divide-slate-100" data-testid="run-retries">
        {troubled.length === 0 && <EmptyRow cols={6}>No retries and no errors so far: every task was answered on its first attempt.</EmptyRow>}
        {troubled.map((t) => {
          const p = planned.get(t.id);
          return (
            <tr key={t.id} className="align-top" data-testid={`retry-${t.id}`}>
              <Td className="font-mono font-medium">{t.id}</Td>
              <Td><span className={`rounded border px-1.5 py-0.5 text-xs font-medium ${TASK_STATE_TONE[t.state]}`}>{t.state}</span></Td>
              <Td className="tabular-nums">{t.attempts}</Td>
              <Td className="tabular-nums">{t.consecutiveFailures} of {detail.maxFailures}</Td>
              <Td className="text-xs text-red-800"><div className="w-72 whitespace-normal">{t.lastError ?? ""}</div></Td>
              <Td className="text-xs text-slate-600">{p ? formatRoute(p) : t.route.join(" → ")}</Td>
            </tr>
          );
        })}
      </tbody>
    </Table>
  );
}

function TaskDetails({ task, live, detail }: { task: TaskView | undefined; live: RunLive; detail: RunDetail }) {
  const p = task ? detail.plan.tasks.find((x) => x.id === task.id) : undefined;
  if (!task || !p) return <p className="text-xs text-slate-500">Click a step to see its attempts, times and route.</p>;
  return (
    <div className="space-y-1 rounded-md border border-slate-200 bg-white p-2 text-xs text-slate-700" data-testid="task-details">
      <p><span className="font-mono font-semibold">{task.id}</span>: {task.node ?? "the CA"} {KIND_TEXT[p.kind]}.</p>
      <p>Route: {formatRoute(p)}</p>
      <p>
        <span className={`rounded border px-1 font-medium ${TASK_STATE_TONE[task.state]}`}>{task.state}</span> · attempt {task.attempts} · sent {utc(task.sentAt)}
        {task.completedAt && <> · done {ago(task.completedAt, live.at)}</>}
      </p>
      {task.lastError && <p className="text-red-800">{task.state === "succeeded" ? "Earlier error" : "Last error"}: {task.lastError}</p>}
    </div>
  );
}

export function RunView({ detail, initial, canResume, canAudit }: { detail: RunDetail; initial: RunLive; canResume: boolean; canAudit: boolean }) {
  const { data, error, fetching } = useRunLive(detail.topologyId, initial);
  const client = useQueryClient();
  const [overlays] = useState(createOverlays);
  const [picked, setPicked] = useState(0);
  const tasks = useMemo(() => new Map(detail.plan.tasks.map((t) => [t.id, t])), [detail.plan]);
  const runStates = useMemo(() => new Map(data.tasks.map((t) => [t.id, { state: t.state, attempts: t.attempts, lastError: t.lastError }])), [data.tasks]);
  // The graph's task boxes subscribe to their own key: a poll re-renders only the tasks that changed.
  useEffect(() => overlays.taskRun.replace(runStates), [overlays, runStates]);
  const pickedId = picked > 0 ? detail.order[picked - 1] : undefined;
  useEffect(() => overlays.taskMark.replace(pickedId ? new Map([[pickedId, "current" as const]]) : new Map()), [overlays, pickedId]);

  return (
    <OverlayContext.Provider value={overlays}>
      <div className="space-y-5">
        <Link href={`/topologies/${detail.topologyId}`} className="text-sm text-indigo-700 hover:underline">← {detail.topologyName ?? "Topology"}</Link>
        <div className="flex flex-wrap items-start justify-between gap-4">
          <div className="min-w-0 space-y-1">
            <h1 className="flex items-center gap-3 text-2xl font-semibold tracking-tight text-slate-900">
              Rotation run <RunStateBadge state={data.state} />
            </h1>
            <p className="text-sm text-slate-600">
              Root key group <span className="font-medium text-slate-800">{detail.group}</span> · {detail.mode} mode · {detail.schedule} schedule · issuer{" "}
              {detail.issuer ? <Link className="font-medium text-indigo-700 hover:underline" href={`/issuers/${encodeURIComponent(detail.issuer.name)}`}>{detail.issuer.name}</Link> : "deleted"}
              {" "}· at most {detail.maxFailures} failures in a row per task · {detail.taskTimeoutS} s to answer
            </p>
            <p className="text-sm text-slate-700" data-testid="run-roots">
              Old root <span className="font-mono">{detail.oldSubject}</span> → new root <span className="font-mono font-semibold">{detail.newSubject}</span>
            </p>
            <p className="text-xs text-slate-500">
              Started {utc(detail.createdAt)} by {detail.createdBy.replace(/^user:/, "")}
              {data.finishedAt && <> · finished {utc(data.finishedAt)}</>}
              {data.failedAt && data.state === "failed" && <> · failed {utc(data.failedAt)}</>}
              {canAudit && <> · <Link className="text-indigo-700 hover:underline" href={`/audit?target=${encodeURIComponent(detail.id)}`}>history in the audit log</Link></>}
            </p>
          </div>
          <div className="w-full max-w-md space-y-2">
            <Progress c={data.counts} />
            <p className="flex items-center gap-2 text-xs text-slate-500" data-testid="live-status">
              {error ? (
                <span className="text-amber-800">Automatic updates paused ({error.message}). Reload the page to see the latest state.</span>
              ) : (
                <>
                  <span className={`inline-block h-2 w-2 rounded-full ${fetching ? "bg-emerald-500" : "bg-emerald-300"}`} aria-hidden />
                  {data.state === "running" ? "Updates by itself every second — no need to reload." : "The run is over; node reports still update every few seconds."}
                </>
              )}
            </p>
          </div>
        </div>

        {detail.unsafeOrder && <Alert kind="warning">Test-only run: tasks are sent strictly one after another in a fixed order that the checker may reject.</Alert>}
        {data.state === "failed" && (
          <div className="space-y-3 rounded-md border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-900" role="alert" data-testid="run-failure">
            <p><span className="font-semibold">The run stopped:</span> {data.failure ?? "a task failed too many times in a row"}.</p>
            <p>Nothing was rolled back and nothing more is sent; every link still authenticates in this intermediate state. Fix the cause (for example, start the node&apos;s agent again), then resume: the failed tasks are sent again.</p>
            {canResume ? <ResumeForm runId={detail.id} topologyId={detail.topologyId} onResumed={() => client.invalidateQueries({ queryKey: ["rotation-run", detail.id] })} /> : <p className="text-xs">An operator can resume it.</p>}
          </div>
        )}
        {data.state === "succeeded" && (
          <Alert kind="success">Done: every task succeeded, so every node keeps only the new root and a certificate signed by it (the node table follows as agents report). The issuer now signs with the new root key; the old root is kept, sealed, in the issuer&apos;s history.</Alert>
        )}

        <section className="space-y-2">
          <div className="flex flex-wrap items-end justify-between gap-2">
            <h2 className="text-base font-semibold text-slate-800">Tasks</h2>
            <StateLegend />
          </div>
          <div className="flex h-[460px] gap-3">
            <div className="min-w-0 flex-1 overflow-hidden rounded-lg border border-slate-200 bg-white shadow-sm">
              <TaskGraph plan={detail.plan} />
            </div>
            <div className="flex w-[420px] shrink-0 flex-col gap-2">
              <StepList order={detail.order} tasks={tasks} step={picked} failingStep={null} showRequests={!detail.unsafeOrder} runStates={runStates} onStep={(k) => setPicked(k === picked ? 0 : k)} />
              <TaskDetails task={data.tasks.find((t) => t.id === pickedId)} live={data} detail={detail} />
            </div>
          </div>
        </section>

        <Card title="Retries and errors"><RetriesTable tasks={data.tasks} detail={detail} /></Card>
        <Card title="Links: handshakes the agents report"><LinksTable links={data.links} now={data.at} /></Card>
        <Card title="Nodes: what each one holds"><NodesTable nodes={data.nodes} detail={detail} now={data.at} /></Card>
      </div>
    </OverlayContext.Provider>
  );
}
