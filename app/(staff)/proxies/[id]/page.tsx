import Link from "next/link";
import { notFound } from "next/navigation";
import { can } from "@/lib/auth";
import { NotFoundError } from "@/lib/errors";
import { listIssuers } from "@/lib/issuers/service";
import { proxyDetail, proxyLive } from "@/lib/proxies";
import { Alert, Badge, Card, PageHeader } from "@/components/ui/Card";
import { actorOf, requireUser } from "@/app/_lib/session";
import { utc } from "../format";
import { IssueCertificateForm, PolicyForm, RoutesForm } from "./ConfigForms";
import { DeleteProxyButton } from "./DeleteProxyButton";
import { PolicyRules } from "./PolicyRules";
import { ProxyLiveView } from "./ProxyLiveView";

export const metadata = { title: "Proxy" };

const SAVED: Record<string, string> = {
  registered: "Proxy registered. Issue its certificate below, then start it with --name and --app so it reports here.",
  routes: "Routes saved.",
  policy: "Policy saved. The proxy applies it with its next report.",
  certificate: "Proxy certificate issued. Download it and its key from the certificate's page.",
};

export default async function ProxyPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ saved?: string }> }) {
  const me = await requireUser();
  const actor = actorOf(me);
  const { id } = await params;
  const { saved } = await searchParams;
  const orNotFound = (e: unknown) => (e instanceof NotFoundError ? notFound() : Promise.reject(e));
  const [p, live] = await Promise.all([proxyDetail(actor, id).catch(orNotFound), proxyLive(actor, id).catch(orNotFound)]);
  const write = can(me.role, "certificates:write");
  const issuers = write ? (await listIssuers()).map((i) => i.name) : [];
  const current = p.certificates.find((c) => c.status === "valid" && !c.expired) ?? null;
  return (
    <>
      <PageHeader
        title={p.name}
        subtitle={<><Link className="text-indigo-700 hover:underline" href="/proxies">Proxies</Link> · {p.description || "CA proxy"}{p.issuer && <> · checks servers of <Link className="text-indigo-700 hover:underline" href={`/issuers/${encodeURIComponent(p.issuer)}`}>{p.issuer}</Link></>}</>}
        actions={write && <DeleteProxyButton id={p.id} name={p.name} />}
      />
      {saved && SAVED[saved] && <div className="mb-4"><Alert kind="success">{SAVED[saved]}</Alert></div>}
      <div className="grid grid-cols-1 items-start gap-6 xl:grid-cols-2">
        <Card title={<>Policy {p.policy ? <Badge tone="indigo">version {p.policyVersion}</Badge> : <Badge>not set here</Badge>}</>}>
          <div className="space-y-5">
            {p.policy ? <PolicyRules policy={p.policy} /> : <p className="text-sm text-slate-600">No policy set here: the proxy decides with its own <code className="font-mono text-xs">--policy</code> file (or answers for every client).</p>}
            {write && <PolicyForm id={p.id} text={p.policy ? JSON.stringify(p.policy, null, 2) : ""} />}
          </div>
        </Card>
        <div className="space-y-6">
          <Card title="Proxy certificate">
            <div className="space-y-4 text-sm">
              {p.certificates.length === 0 ? (
                <p className="text-slate-600">None issued yet. The proxy presents this certificate to upstream servers that ask for a client certificate, and to its TLS clients.</p>
              ) : (
                <ul className="divide-y divide-slate-100" data-testid="proxy-certificates">
                  {p.certificates.map((c) => (
                    <li key={c.id} className="flex items-center justify-between gap-3 py-2">
                      <Link className="font-medium text-indigo-700 hover:underline" href={`/certificates/${c.id}`}>
                        {c.issuer} · serial <span className="font-mono">{c.serial}</span>
                      </Link>
                      <span className="flex items-center gap-2 text-xs text-slate-500">
                        until {utc(c.notAfter).slice(0, 10)}
                        <Badge tone={c.status === "valid" && !c.expired ? "green" : "red"}>{c.expired && c.status === "valid" ? "expired" : c.status}</Badge>
                      </span>
                    </li>
                  ))}
                </ul>
              )}
              {current && <p className="text-xs text-slate-500">Download it and its key from the certificate&apos;s page. Renewal works as for any certificate: revoke it there (renew-first) and renew from the Revocation page; the replacement keeps the name and appears here.</p>}
              {write && issuers.length > 0 && <IssueCertificateForm id={p.id} issuers={issuers} defaultIssuer={current?.issuer ?? p.issuer} renew={!!current} />}
            </div>
          </Card>
          <Card title="Routes">
            <div className="space-y-4">
              {p.routes.length === 0 ? (
                <p className="text-sm text-slate-600">No routes recorded.</p>
              ) : (
                <ul className="space-y-1 font-mono text-xs text-slate-800" data-testid="proxy-routes">
                  {p.routes.map((r) => <li key={r.name}><span className="font-semibold">{r.name}</span>: {r.listen} → {r.upstream}{r.servername && ` (SNI ${r.servername})`}</li>)}
                </ul>
              )}
              {write && <RoutesForm id={p.id} text={p.routes.length ? JSON.stringify(p.routes, null, 2) : ""} />}
            </div>
          </Card>
          <Card title="Run it">
            <pre className="overflow-x-auto whitespace-pre-wrap rounded bg-slate-50 p-3 font-mono text-xs text-slate-800">{`rootline proxy --listen HOST:PORT --upstream HOST:PORT \\
  --ca upstream-ca.pem --repository URL --issuer ${p.issuer ?? "NAME"} \\
  --cert proxy.pem --key proxy.key \\
  --name ${p.name} --app <this console's URL>`}</pre>
          </Card>
        </div>
      </div>
      <div className="mt-8">
        <h2 className="mb-3 text-lg font-semibold text-slate-900">Activity</h2>
        <ProxyLiveView id={p.id} initial={live} />
      </div>
    </>
  );
}
