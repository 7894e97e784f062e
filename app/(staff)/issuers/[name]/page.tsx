import Link from "next/link";
import { notFound } from "next/navigation";
import { getIssuerByName } from "@/lib/issuers/service";
import { caConstraints, issuerRelatives } from "@/lib/issuers/intermediate";
import { pointersFor } from "@/lib/issuers/publicUrl";
import { decodeCertificate } from "@/lib/pki/certificate";
import { NotFoundError } from "@/lib/errors";
import { retiredRoots } from "@/lib/rotation-run/view";
import { CertificateView } from "@/components/CertificateView";
import { Badge, Card, PageHeader } from "@/components/ui/Card";
import { requireUser } from "@/app/_lib/session";
import { ButtonLink } from "@/components/ui/Button";
import { can } from "@/lib/auth/roles";
import { ProtocolsCard } from "./ProtocolsCard";

export default async function IssuerPage({ params }: { params: Promise<{ name: string }> }) {
  const me = await requireUser();
  const { name } = await params; // already percent-decoded by Next.js: decoding again breaks on "%25"
  const issuer = await getIssuerByName(name).catch((e) => (e instanceof NotFoundError ? notFound() : Promise.reject(e)));
  const details = decodeCertificate(issuer.certificateDer);
  const retired = await retiredRoots(issuer.id);
  const relatives = await issuerRelatives(issuer.id);
  const limits = caConstraints(issuer.certificateDer);
  const pointers = pointersFor(issuer.name, issuer.publicUrl);
  const issuerLink = (n: string) => <Link key={n} className="text-indigo-700 hover:underline" href={`/issuers/${encodeURIComponent(n)}`}>{n}</Link>;
  const repo = `/api/repository/${encodeURIComponent(issuer.name)}`;
  return (
    <>
      <PageHeader
        title={issuer.name}
        subtitle={<>{issuer.subject} {issuer.imported && <Badge>imported</Badge>}</>}
        actions={
          <>
            <Link className="text-sm font-medium text-indigo-700 hover:underline" href={`/certificates?issuer=${encodeURIComponent(issuer.name)}`}>Certificates →</Link>
            {/* The next steps from here, so a first-time operator never has to guess a URL. */}
            {can(me.role, "certificates:write") && <ButtonLink variant="secondary" href={`/certificates/issue?issuer=${encodeURIComponent(issuer.name)}`}>Issue a certificate</ButtonLink>}
            {can(me.role, "issuers:write") && limits.pathLen !== 0 && <ButtonLink variant="secondary" href={`/issuers/new?parent=${encodeURIComponent(issuer.name)}`}>New intermediate CA</ButtonLink>}
          </>
        }
      />
      <div className="grid grid-cols-1 gap-6 xl:grid-cols-3">
        <Card title="Settings" className="xl:col-span-1">
          <dl className="space-y-2 text-sm">
            <div className="flex justify-between"><dt className="text-slate-500">Revocation number</dt><dd className="font-mono" data-testid="issuer-rn">{issuer.revocationNumber.toString()}</dd></div>
            <div className="flex justify-between"><dt className="text-slate-500">Next serial</dt><dd className="font-mono">{issuer.nextSerial.toString()}</dd></div>
            <div className="flex justify-between"><dt className="text-slate-500">First serial</dt><dd className="font-mono">{issuer.firstSerial.toString()}</dd></div>
            <div className="flex justify-between"><dt className="text-slate-500">Certificate validity</dt><dd>{issuer.certValidityDays} days</dd></div>
            <div className="flex justify-between"><dt className="text-slate-500">Generation</dt><dd>{issuer.generation}</dd></div>
            <div className="flex justify-between"><dt className="text-slate-500">Key storage</dt><dd data-testid="issuer-key-storage">{issuer.keyStorage === "pkcs11" ? "hardware token (PKCS#11)" : "software (sealed)"}</dd></div>
            <div className="flex justify-between gap-4"><dt className="text-slate-500">Signed by</dt><dd data-testid="issuer-parent">{relatives.parent ? issuerLink(relatives.parent) : "itself (root CA)"}</dd></div>
            {relatives.children.length > 0 && <div className="flex justify-between gap-4"><dt className="text-slate-500">Signs CAs</dt><dd className="text-right">{relatives.children.map((c, k) => <span key={c}>{k > 0 && ", "}{issuerLink(c)}</span>)}</dd></div>}
            <div className="flex justify-between gap-4"><dt className="text-slate-500">Path length</dt><dd>{limits.pathLen === null ? "no limit" : limits.pathLen === 0 ? "0 (signs no CAs)" : limits.pathLen}</dd></div>
            {limits.nameConstraints && <div className="flex justify-between gap-4"><dt className="text-slate-500">Name constraints</dt><dd className="text-right font-mono text-xs" data-testid="issuer-name-constraints">{limits.nameConstraints}</dd></div>}
            <div className="flex justify-between gap-4"><dt className="text-slate-500">Public URL</dt><dd className="break-all text-right font-mono text-xs" data-testid="issuer-public-url">{issuer.publicUrl ?? "none (issued certificates carry no CDP/AIA)"}</dd></div>
            {pointers.crlDistributionPoints && <div className="flex justify-between gap-4"><dt className="text-slate-500">CDP / AIA</dt><dd className="break-all text-right font-mono text-xs">{pointers.crlDistributionPoints[0]}<br />{pointers.caIssuersUrl}</dd></div>}
          </dl>
          <h3 className="mb-2 mt-5 text-sm font-semibold text-slate-700">Device repository</h3>
          <ul className="space-y-1 font-mono text-xs">
            <li><a className="text-indigo-700 hover:underline" href={`${repo}/ca.crt?format=pem`}>{repo}/ca.crt</a></li>
            <li><a className="text-indigo-700 hover:underline" href={`${repo}/revocation-info`}>{repo}/revocation-info</a></li>
            <li><a className="text-indigo-700 hover:underline" href={`${repo}/revocation-info.der`}>{repo}/revocation-info.der</a></li>
            <li><a className="text-indigo-700 hover:underline" href={`${repo}/crl`}>{repo}/crl</a></li>
          </ul>
          <p className="mt-3 text-sm"><a className="font-medium text-indigo-700 hover:underline" href={`/issuers/${encodeURIComponent(issuer.name)}/chain`} data-testid="issuer-chain">Download the CA chain (PEM)</a> <span className="text-slate-500">— this CA{relatives.parent ? " and every CA above it" : ""}</span></p>
        </Card>
        <Card title="CA certificate" className="xl:col-span-2"><CertificateView d={details} /></Card>
      </div>
      <ProtocolsCard issuer={issuer.name} canWrite={can(me.role, "issuers:write")} />
      {/* Roots that finished rotation runs replaced: kept sealed; certificates not re-signed still chain to them. */}
      <Card title="Root key history" className="mt-6">
        {retired.length === 0 ? (
          <p className="text-sm text-slate-500" data-testid="retired-roots-empty">This root key has never been replaced. A finished rotation run retires the old root and lists it here.</p>
        ) : (
          <table className="min-w-full text-sm" data-testid="retired-roots">
            <thead>
              <tr className="text-left text-xs uppercase tracking-wide text-slate-500"><th className="py-1.5 pr-4">Retired root</th><th className="py-1.5 pr-4">Key</th><th className="py-1.5 pr-4">Valid</th><th className="py-1.5 pr-4">SHA-256 fingerprint</th><th className="py-1.5 pr-4">Retired (UTC)</th><th className="py-1.5">By run</th></tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {retired.map((r) => (
                <tr key={r.id}>
                  <td className="py-1.5 pr-4 font-mono text-xs">{r.subject}</td>
                  <td className="py-1.5 pr-4">{r.keyType}</td>
                  <td className="py-1.5 pr-4 text-xs">{r.notBefore.slice(0, 10)} – {r.notAfter.slice(0, 10)}</td>
                  <td className="py-1.5 pr-4 font-mono text-xs" title={r.fingerprint}>{r.fingerprint.slice(0, 16)}…</td>
                  <td className="py-1.5 pr-4 text-xs">{r.retiredAt.replace("T", " ").slice(0, 19)}</td>
                  <td className="py-1.5 text-xs">
                    {r.runId && r.topologyId ? <Link className="font-mono text-indigo-700 hover:underline" href={`/topologies/${r.topologyId}/runs/${r.runId}`}>{r.runId.slice(0, 12)}</Link> : (r.runId?.slice(0, 12) ?? "—")}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </>
  );
}
