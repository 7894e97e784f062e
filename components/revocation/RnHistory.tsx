import { EmptyRow, Table, Td, Th } from "@/components/ui/Table";

export interface RnChange {
  id: number;
  from: bigint;
  to: bigint;
  cause: string;
  actor: string;
  at: Date;
}

const when = (d: Date) => `${d.toISOString().replace("T", " ").slice(0, 19)} UTC`;

/** Every move of the RN, newest first (SPEC 6: history of RN changes). */
export function RnHistory({ changes }: { changes: RnChange[] }) {
  return (
    <Table>
      <thead>
        <tr><Th>Revocation number</Th><Th>Cause</Th><Th>By</Th><Th>When</Th></tr>
      </thead>
      <tbody className="divide-y divide-slate-100" data-testid="rn-history">
        {changes.length === 0 && <EmptyRow cols={4}>The revocation number has not moved since the issuer was created.</EmptyRow>}
        {changes.map((c) => (
          <tr key={c.id}>
            <Td className="font-mono">
              <span className="text-slate-500">{c.from.toString()}</span> <span aria-label="to">→</span> <span className="font-semibold text-slate-900">{c.to.toString()}</span>
            </Td>
            <Td className="whitespace-normal">{c.cause}</Td>
            <Td className="text-slate-600">{c.actor.replace(/^user:/, "")}</Td>
            <Td className="text-slate-600">{when(c.at)}</Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
