import Link from "next/link";
import { can } from "@/lib/auth";
import { listIssuers } from "@/lib/issuers/service";
import { listProxies } from "@/lib/proxies";
import { Badge, Card, PageHeader } from "@/components/ui/Card";
import { EmptyRow, Table, Td, Th } from "@/components/ui/Table";
import { actorOf, requireUser } from "@/app/_lib/session";
import { RegisterProxyForm } from "./RegisterProxyForm";
import { ago, utc } from "./format";

export const metadata = { title: "Proxies" };

export default async function ProxiesPage() {
  const me = await requireUser();
  const rows = await listProxies(actorOf(me));
  const write = can(me.role, "certificates:write");
  const issuers = write ? (await listIssuers()).map((i) => i.name) : [];
  const now = new Date().getTime();
  return (
    <>
      <PageHeader
        title="Proxies"
        subtitle="CA proxies between devices and their servers: they refuse revoked servers before a byte is forwarded, and answer client-certificate requests with their own proxy certificate."
      />
      <div className="space-y-6">
        <Table>
          <thead>
            <tr><Th>Name</Th><Th>Upstream issuer</Th><Th className="text-right">Routes</Th><Th>Policy</Th><Th>Proxy certificate</Th><Th>Last report</Th></tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {rows.length === 0 && <EmptyRow cols={6}>No proxies registered yet. Register one below, issue its certificate, and start it with <code className="font-mono text-xs">rootline proxy … --name NAME --app URL</code>.</EmptyRow>}
            {rows.map((p) => (
              <tr key={p.id} data-testid={`proxy-row-${p.name}`}>
                <Td>
                  <Link className="font-medium text-indigo-700 hover:underline" href={`/proxies/${p.id}`}>{p.name}</Link>
                  {p.description && <p className="max-w-72 truncate text-xs text-slate-500">{p.description}</p>}
                </Td>
                <Td>{p.issuer ?? "—"}</Td>
                <Td className="text-right tabular-nums">{p.routes}</Td>
                <Td>{p.hasPolicy ? <Badge tone="indigo">version {p.policyVersion}</Badge> : <span className="text-slate-500">the proxy&apos;s own file</span>}</Td>
                <Td>
                  {p.certificate ? (
                    <Link href={`/certificates/${p.certificate.id}`} className="hover:underline">
                      <Badge tone={p.certificate.status === "valid" ? "green" : "red"}>{p.certificate.status}</Badge>{" "}
                      <span className="text-xs text-slate-500">until {utc(p.certificate.notAfter).slice(0, 10)}</span>
                    </Link>
                  ) : (
                    <Badge tone="amber">none issued</Badge>
                  )}
                </Td>
                <Td title={p.lastReportAt ? utc(p.lastReportAt) : undefined}>{ago(p.lastReportAt, now)}</Td>
              </tr>
            ))}
          </tbody>
        </Table>
        {write && (
          <Card title="Register proxy">
            <RegisterProxyForm issuers={issuers} />
          </Card>
        )}
      </div>
    </>
  );
}
