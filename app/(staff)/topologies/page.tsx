import Link from "next/link";
import { can } from "@/lib/auth";
import { listTopologies } from "@/lib/topologies";
import { Badge, PageHeader } from "@/components/ui/Card";
import { ButtonLink } from "@/components/ui/Button";
import { EmptyRow, Table, Td, Th } from "@/components/ui/Table";
import { requireUser } from "@/app/_lib/session";
import { DeleteTopologyButton } from "./DeleteTopologyButton";

export const metadata = { title: "Topologies" };

export default async function TopologiesPage() {
  const me = await requireUser();
  const rows = await listTopologies();
  const write = can(me.role, "topologies:write");
  return (
    <>
      <PageHeader
        title="Topologies"
        subtitle="Client/server topologies of device fleets, and the root-key update procedure for each."
        actions={write && (<><ButtonLink variant="secondary" href="/topologies/import">Import JSON</ButtonLink><ButtonLink href="/topologies/new">New topology</ButtonLink></>)}
      />
      <Table>
        <thead>
          <tr><Th>Name</Th><Th className="text-right">Nodes</Th><Th className="text-right">Links</Th><Th>Root key groups</Th><Th>Status</Th><Th>Updated</Th><Th /></tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.length === 0 && <EmptyRow cols={7}>No topologies yet. Draw one, or import a JSON file in the format of <code>rootline plan</code>.</EmptyRow>}
          {rows.map((t) => (
            <tr key={t.id} data-testid={`topology-row-${t.name}`}>
              <Td><Link className="font-medium text-indigo-700 hover:underline" href={`/topologies/${t.id}`}>{t.name}</Link></Td>
              <Td className="text-right tabular-nums">{t.nodes.toLocaleString("en")}</Td>
              <Td className="text-right tabular-nums">{t.links.toLocaleString("en")}</Td>
              <Td className="max-w-64 truncate">{t.groups.join(", ") || "—"}</Td>
              <Td>{t.nodes === 0 ? <Badge>empty</Badge> : t.valid ? <Badge tone="green">valid</Badge> : <Badge tone="amber">draft · {t.errorCount} {t.errorCount === 1 ? "problem" : "problems"}</Badge>}</Td>
              <Td>{t.updatedAt.toISOString().replace("T", " ").slice(0, 16)} UTC</Td>
              <Td className="space-x-4 text-right">
                <a className="text-sm text-indigo-700 hover:underline" href={`/topologies/${t.id}/export`}>Export</a>
                {write && <DeleteTopologyButton id={t.id} name={t.name} />}
              </Td>
            </tr>
          ))}
        </tbody>
      </Table>
    </>
  );
}
