import Link from "next/link";
import { can } from "@/lib/auth";
import { listLineages } from "@/lib/generations/list";
import { ButtonLink } from "@/components/ui/Button";
import { PageHeader } from "@/components/ui/Card";
import { EmptyRow, Table, Td, Th } from "@/components/ui/Table";
import { requireUser } from "@/app/_lib/session";
import { day, keyLabel, relative } from "./format";
import { lineagePage } from "./urls";

export const metadata = { title: "CA generations" };

export default async function LineagesPage() {
  const me = await requireUser();
  const lineages = await listLineages();
  const now = new Date();
  return (
    <>
      <PageHeader
        title="CA generations"
        subtitle="Lineages: chains of CA generations that devices follow by themselves, through CA information signed with the lineage's distribution key."
        actions={can(me.role, "issuers:write") && <ButtonLink href="/lineages/new">New lineage</ButtonLink>}
      />
      <Table>
        <thead><tr><Th>Lineage</Th><Th>CA key</Th><Th className="text-right">Generations</Th><Th>Newest generation</Th><Th>Valid until</Th><Th>Next generation</Th></tr></thead>
        <tbody className="divide-y divide-slate-100">
          {lineages.length === 0 && <EmptyRow cols={6}>No lineages yet. Create one to give a device fleet a CA that it follows from generation to generation.</EmptyRow>}
          {lineages.map((l) => (
            <tr key={l.name}>
              <Td><Link className="font-medium text-indigo-700 hover:underline" href={lineagePage(l.name)}>{l.name}</Link></Td>
              <Td>{keyLabel(l.keyType)}</Td>
              <Td className="text-right tabular-nums">{l.generations}</Td>
              <Td>{l.newest ? <Link className="text-indigo-700 hover:underline" href={`/issuers/${encodeURIComponent(l.newest.issuer)}`}>{l.newest.issuer}</Link> : "—"}</Td>
              <Td>{l.newest ? day(l.newest.notAfter) : "—"}</Td>
              <Td>
                {l.schedule ? (
                  <>generation {l.schedule.generation} {l.schedule.dueAt <= now ? <span className="font-medium text-amber-800">due now</span> : <>on {day(l.schedule.dueAt)} <span className="text-slate-500">({relative(l.schedule.dueAt, now)})</span></>}</>
                ) : "—"}
              </Td>
            </tr>
          ))}
        </tbody>
      </Table>
    </>
  );
}
