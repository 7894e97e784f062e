import { listApiTokens } from "@/lib/auth";
import { Badge, Card, PageHeader } from "@/components/ui/Card";
import { EmptyRow, Table, Td, Th } from "@/components/ui/Table";
import { requireUser } from "@/app/_lib/session";
import { NewTokenForm } from "./NewTokenForm";
import { revokeTokenAction } from "./actions";

export const metadata = { title: "API tokens" };

function day(d: Date): string {
  return d.toISOString().replace("T", " ").slice(0, 16);
}

export default async function TokensPage() {
  await requireUser("tokens:manage");
  const tokens = await listApiTokens();
  return (
    <>
      <PageHeader title="API tokens" subtitle={<>Bearer tokens for the automation API under <code>/api/v1/</code> (see docs/API.md). Only a hash is stored. Disabling a token's owner revokes it.</>} />
      <Table>
        <thead><tr><Th>Name</Th><Th>Prefix</Th><Th>Role</Th><Th>Owner</Th><Th>Last used</Th><Th>Expires</Th><Th>Status</Th><Th /></tr></thead>
        <tbody className="divide-y divide-slate-100">
          {tokens.length === 0 && <EmptyRow cols={8}>No API tokens yet.</EmptyRow>}
          {tokens.map((t) => (
            <tr key={t.id}>
              <Td className="font-medium">{t.name}</Td>
              <Td className="font-mono text-xs">{t.prefix}…</Td>
              <Td>{t.role}</Td>
              <Td>{t.createdBy}</Td>
              <Td>{t.lastUsedAt ? day(t.lastUsedAt) : "never"}</Td>
              <Td title={t.expiresAt?.toISOString()}>{t.expiresAt ? t.expiresAt.toISOString().slice(0, 10) : "never"}</Td>
              <Td><Badge tone={t.status === "revoked" ? "red" : t.status === "expired" ? "amber" : "green"}>{t.status}</Badge></Td>
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
