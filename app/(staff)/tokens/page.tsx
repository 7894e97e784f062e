import { listApiTokens } from "@/lib/auth";
import { Badge, Card, PageHeader } from "@/components/ui/Card";
import { EmptyRow, Table, Td, Th } from "@/components/ui/Table";
import { requireUser } from "@/app/_lib/session";
import { NewTokenForm } from "./NewTokenForm";
import { revokeTokenAction } from "./actions";

export const metadata = { title: "API tokens" };

export default async function TokensPage() {
  await requireUser("tokens:manage");
  const tokens = await listApiTokens();
  return (
    <>
      <PageHeader title="API tokens" subtitle={<>Bearer tokens for the automation API under <code>/api/v1/</code> (see docs/API.md). Only a hash is stored.</>} />
      <Table>
        <thead><tr><Th>Name</Th><Th>Prefix</Th><Th>Role</Th><Th>Created by</Th><Th>Last used</Th><Th>Status</Th><Th /></tr></thead>
        <tbody className="divide-y divide-slate-100">
          {tokens.length === 0 && <EmptyRow cols={7}>No API tokens yet.</EmptyRow>}
          {tokens.map((t) => (
            <tr key={t.id}>
              <Td className="font-medium">{t.name}</Td>
              <Td className="font-mono text-xs">{t.prefix}…</Td>
              <Td>{t.role}</Td>
              <Td>{t.createdBy}</Td>
              <Td>{t.lastUsedAt ? t.lastUsedAt.toISOString().replace("T", " ").slice(0, 16) : "never"}</Td>
              <Td>{t.revokedAt ? <Badge tone="red">revoked</Badge> : <Badge tone="green">active</Badge>}</Td>
              <Td className="text-right">
                {!t.revokedAt && (
                  <form action={revokeTokenAction}>
                    <input type="hidden" name="id" value={t.id} />
                    <button className="text-sm text-red-700 hover:underline">Revoke</button>
                  </form>
                )}
              </Td>
            </tr>
          ))}
        </tbody>
      </Table>
      <Card title="New API token" className="mt-6"><NewTokenForm /></Card>
    </>
  );
}
