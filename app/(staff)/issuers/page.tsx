import Link from "next/link";
import { can } from "@/lib/auth";
import { listIssuers } from "@/lib/issuers/service";
import { hierarchyOrder } from "@/lib/issuers/intermediate";
import { KEY_TYPE_LABELS, type KeyType } from "@/lib/pki/keys";
import { ButtonLink } from "@/components/ui/Button";
import { PageHeader } from "@/components/ui/Card";
import { EmptyRow, Table, Td, Th } from "@/components/ui/Table";
import { requireUser } from "@/app/_lib/session";

export const metadata = { title: "Issuers" };

export default async function IssuersPage() {
  const me = await requireUser();
  const issuers = await listIssuers();
  return (
    <>
      <PageHeader
        title="Issuers"
        subtitle="Certificate authorities managed by Rootline."
        actions={can(me.role, "issuers:write") && (<><ButtonLink variant="secondary" href="/issuers/import">Import</ButtonLink><ButtonLink href="/issuers/new">New issuer</ButtonLink></>)}
      />
      <Table>
        <thead><tr><Th>Name</Th><Th>Subject</Th><Th>Key</Th><Th>Valid until</Th><Th className="text-right">Revocation number</Th><Th className="text-right">Next serial</Th><Th className="text-right">Valid / revoked</Th></tr></thead>
        <tbody className="divide-y divide-slate-100">
          {issuers.length === 0 && (
            <EmptyRow cols={7}>
              <span className="block font-medium text-slate-700">No issuers yet.</span>
              <span className="mt-1 block">An issuer is the certificate authority every certificate comes from.</span>
              {can(me.role, "issuers:write") ? (
                <span className="mt-4 flex justify-center gap-2">
                  <ButtonLink href="/issuers/new">Create your first issuer</ButtonLink>
                  <ButtonLink variant="secondary" href="/issuers/import">Import an existing CA</ButtonLink>
                </span>
              ) : (
                <span className="mt-1 block">Ask an administrator to create one.</span>
              )}
            </EmptyRow>
          )}
          {/* The hierarchy as a tree: each root followed by the intermediates it signed, indented. */}
          {hierarchyOrder(issuers).map((i) => (
            <tr key={i.id}>
              <Td>
                <span className="flex items-center" style={{ paddingLeft: `${i.depth * 1.25}rem` }} data-testid="issuer-tree-row" data-depth={i.depth}>
                  {i.depth > 0 && <span aria-hidden className="mr-1.5 text-slate-400">└</span>}
                  <Link className="font-medium text-indigo-700 hover:underline" href={`/issuers/${encodeURIComponent(i.name)}`}>{i.name}</Link>
                  <span className="ml-2 text-xs text-slate-500">{i.parentId ? "intermediate" : "root"}</span>
                </span>
              </Td>
              <Td>{i.subject}</Td>
              <Td>
                {KEY_TYPE_LABELS[i.keyType as KeyType] ?? i.keyType}
                {i.keyStorage === "pkcs11" && <span className="ml-2 text-xs text-slate-500" title="The key is in the PKCS#11 token and never leaves it">hardware token</span>}
              </Td>
              <Td>{i.notAfter.toISOString().slice(0, 10)}</Td>
              <Td className="text-right font-mono">{i.revocationNumber.toString()}</Td>
              <Td className="text-right font-mono">{i.nextSerial.toString()}</Td>
              <Td className="text-right tabular-nums">{(i.counts.valid ?? 0).toLocaleString("en")} / {(i.counts.revoked ?? 0).toLocaleString("en")}</Td>
            </tr>
          ))}
        </tbody>
      </Table>
    </>
  );
}
