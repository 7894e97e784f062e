import Link from "next/link";
import { notFound } from "next/navigation";
import { getIssuerByName } from "@/lib/issuers/service";
import { decodeCertificate } from "@/lib/pki/certificate";
import { NotFoundError } from "@/lib/errors";
import { CertificateView } from "@/components/CertificateView";
import { Badge, Card, PageHeader } from "@/components/ui/Card";
import { requireUser } from "@/app/_lib/session";

export default async function IssuerPage({ params }: { params: Promise<{ name: string }> }) {
  await requireUser();
  const { name } = await params; // already percent-decoded by Next.js: decoding again breaks on "%25"
  const issuer = await getIssuerByName(name).catch((e) => (e instanceof NotFoundError ? notFound() : Promise.reject(e)));
  const details = decodeCertificate(issuer.certificateDer);
  const repo = `/api/repository/${encodeURIComponent(issuer.name)}`;
  return (
    <>
      <PageHeader
        title={issuer.name}
        subtitle={<>{issuer.subject} {issuer.imported && <Badge>imported</Badge>}</>}
        actions={<Link className="text-sm font-medium text-indigo-700 hover:underline" href={`/certificates?issuer=${encodeURIComponent(issuer.name)}`}>Certificates →</Link>}
      />
      <div className="grid grid-cols-1 gap-6 xl:grid-cols-3">
        <Card title="Settings" className="xl:col-span-1">
          <dl className="space-y-2 text-sm">
            <div className="flex justify-between"><dt className="text-slate-500">Revocation number</dt><dd className="font-mono" data-testid="issuer-rn">{issuer.revocationNumber.toString()}</dd></div>
            <div className="flex justify-between"><dt className="text-slate-500">Next serial</dt><dd className="font-mono">{issuer.nextSerial.toString()}</dd></div>
            <div className="flex justify-between"><dt className="text-slate-500">First serial</dt><dd className="font-mono">{issuer.firstSerial.toString()}</dd></div>
            <div className="flex justify-between"><dt className="text-slate-500">Certificate validity</dt><dd>{issuer.certValidityDays} days</dd></div>
            <div className="flex justify-between"><dt className="text-slate-500">Generation</dt><dd>{issuer.generation}</dd></div>
          </dl>
          <h3 className="mb-2 mt-5 text-sm font-semibold text-slate-700">Device repository</h3>
          <ul className="space-y-1 font-mono text-xs">
            <li><a className="text-indigo-700 hover:underline" href={`${repo}/ca.crt?format=pem`}>{repo}/ca.crt</a></li>
            <li><a className="text-indigo-700 hover:underline" href={`${repo}/revocation-info`}>{repo}/revocation-info</a></li>
            <li><a className="text-indigo-700 hover:underline" href={`${repo}/revocation-info.der`}>{repo}/revocation-info.der</a></li>
            <li><a className="text-indigo-700 hover:underline" href={`${repo}/crl`}>{repo}/crl</a></li>
          </ul>
        </Card>
        <Card title="CA certificate" className="xl:col-span-2"><CertificateView d={details} /></Card>
      </div>
    </>
  );
}
