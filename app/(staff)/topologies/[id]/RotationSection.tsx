import Link from "next/link";
import type { TopologyRotation } from "@/lib/rotation-run/view";
import { Badge, Card } from "@/components/ui/Card";
import { EmptyRow, Table, Td, Th } from "@/components/ui/Table";
import { RunStateBadge } from "./runs/RunStateBadge";
import { BindGroupForm, StartRunForm } from "./RotationForms";
import { count } from "@/lib/plural";

const utc = (s: string | null) => (s ? s.replace("T", " ").slice(0, 19) : "—");
/** "user:ann@example.com" → "ann@example.com"; the engine's own changes read "system:rotation". */
const who = (by: string) => by.replace(/^user:/, "");

/**
 * The topology page's "Rotation" section: per root key group the issuer whose root a run
 * replaces, starting a run, and the runs so far. Running a draft is refused by the engine;
 * this says so before anyone tries.
 */
export function RotationSection({ id, name, valid, data, canWrite }: { id: string; name: string; valid: boolean; data: TopologyRotation; canWrite: boolean }) {
  const bound = data.groups.filter((g) => g.issuer);
  const unprovisioned = bound.filter((g) => g.provisioned < g.nodes);
  return (
    <section id="rotation" className="mt-8 scroll-mt-4 space-y-4" aria-labelledby="rotation-heading">
      <div>
        <h2 id="rotation-heading" className="text-xl font-semibold tracking-tight text-slate-900">Rotation</h2>
        <p className="mt-1 max-w-3xl text-sm text-slate-600">
          Run the root-key update against the live nodes: bind each root key group to the issuer whose root it replaces, provision the nodes
          (<code className="font-mono text-xs">rootline topology provision --topology &quot;{name}&quot; --out DIR</code>), start each node&apos;s agent, then start a run.
        </p>
      </div>
      {!valid && <p className="rounded-md border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900">This topology has validation problems: fix them and save before binding or running it.</p>}

      <div className="grid grid-cols-1 gap-4 xl:grid-cols-2">
        <Card title="Root key groups">
          {data.groups.length === 0 ? (
            <p className="text-sm text-slate-500">This topology has no links, so it has no root key group to update.</p>
          ) : (
            <ul className="divide-y divide-slate-100" data-testid="rotation-groups">
              {data.groups.map((g) => (
                <li key={g.group} className="space-y-2 py-3 first:pt-0 last:pb-0" data-testid={`rotation-group-${g.group}`}>
                  <div className="flex flex-wrap items-center gap-2 text-sm">
                    <span className="font-medium text-slate-800">Group {g.group}</span>
                    {g.issuer ? (
                      <>
                        <span className="text-slate-500">bound to</span>
                        <Link className="font-medium text-indigo-700 hover:underline" href={`/issuers/${encodeURIComponent(g.issuer.name)}`}>{g.issuer.name}</Link>
                      </>
                    ) : (
                      <Badge tone="amber">not bound</Badge>
                    )}
                    <span className="text-slate-500">· {g.provisioned} of {count(g.nodes, "node")} provisioned</span>
                    {g.activeRunId && <Link className="text-indigo-700 hover:underline" href={`/topologies/${id}/runs/${g.activeRunId}`}>unfinished run →</Link>}
                  </div>
                  {canWrite && valid && !g.activeRunId && <BindGroupForm topology={name} group={g.group} issuers={data.issuers} current={g.issuer?.name ?? null} />}
                </li>
              ))}
            </ul>
          )}
        </Card>

        <Card title="Start a rotation run">
          {!canWrite ? (
            <p className="text-sm text-slate-500">Operators and administrators start runs; you can watch them below.</p>
          ) : bound.length === 0 ? (
            <p className="text-sm text-slate-500">Bind a root key group to an issuer first.</p>
          ) : (
            <>
              {unprovisioned.length > 0 && (
                <p className="mb-3 text-xs text-amber-800">
                  Not every node of {unprovisioned.map((g) => `group ${g.group}`).join(", ")} is provisioned yet: a run needs every node&apos;s key and certificate.
                </p>
              )}
              <StartRunForm topology={name} topologyId={id} groups={bound.map((g) => g.group)} />
            </>
          )}
        </Card>
      </div>

      <h3 className="pt-2 text-base font-semibold text-slate-800">Runs</h3>
      <Table>
        <thead>
          <tr><Th>Run</Th><Th>Group</Th><Th>Mode</Th><Th>State</Th><Th>Tasks succeeded</Th><Th>Started (UTC)</Th><Th>Finished (UTC)</Th><Th>By</Th></tr>
        </thead>
        <tbody className="divide-y divide-slate-100" data-testid="rotation-runs">
          {data.runs.length === 0 && <EmptyRow cols={8}>No rotation run yet.</EmptyRow>}
          {data.runs.map((r) => (
            <tr key={r.id}>
              <Td><Link className="font-mono text-indigo-700 hover:underline" href={`/topologies/${id}/runs/${r.id}`}>{r.id.slice(0, 12)}</Link></Td>
              <Td>{r.group}</Td>
              <Td>{r.mode} · {r.schedule}</Td>
              <Td><RunStateBadge state={r.state} /></Td>
              <Td className="tabular-nums">{r.succeeded} / {r.tasks}</Td>
              <Td>{utc(r.createdAt)}</Td>
              <Td>{r.state === "failed" ? <span className="text-red-700">failed {utc(r.failedAt)}</span> : utc(r.finishedAt)}</Td>
              <Td className="max-w-[14rem] truncate text-slate-600" title={r.createdBy}>{who(r.createdBy)}</Td>
            </tr>
          ))}
        </tbody>
      </Table>
    </section>
  );
}
