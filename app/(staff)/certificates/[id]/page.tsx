import Link from "next/link";
import { notFound } from "next/navigation";
import { can } from "@/lib/auth";
import { getCertificate } from "@/lib/certificates";
import { decodeCertificate } from "@/lib/pki/certificate";
import { NotFoundError } from "@/lib/errors";
import { PROFILES } from "@/lib/pki/profiles";
import { REVOCATION_REASON_LABELS, type RevocationReason } from "@/lib/pki/reasons";
import { CertificateView } from "@/components/CertificateView";
import { CertificateStatus } from "@/components/CertificateStatus";
import { Alert, Card, PageHeader } from "@/components/ui/Card";
import { ButtonLink } from "@/components/ui/Button";
import { requireUser } from "@/app/_lib/session";

export const metadata = { title: "Certificate" };

/** "TLS server and client", not "both profile": the profile's own description, else its name. */
function profileText(name: string): string {
  const p = (PROFILES as Readonly<Record<string, { description: string } | undefined>>)[name];
  return p ? p.description.charAt(0).toUpperCase() + p.description.slice(1) : `${name} profile`;
}

export default async function CertificatePage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ issued?: string }> }) {
  const me = await requireUser();
  const { id } = await params;
  const { issued } = await searchParams;
  const c = await getCertificate(id).catch((e) => (e instanceof NotFoundError ? notFound() : Promise.reject(e)));
  const d = decodeCertificate(c.der);
  const dl = `/certificates/${c.id}/download`;
  const belowRn = c.serial < c.issuer.revocationNumber;
  // Only a capped certificate ends exactly with its CA (lib/certificates/validity.ts; validities are whole days from issuance).
  const capped = c.notAfter.getTime() === c.issuer.notAfter.getTime();
  // Revoked or below the RN: nothing left to revoke (the revoke page would explain why).
  const revocable = can(me.role, "certificates:write") && c.status !== "revoked" && !belowRn;
  return (
    <>
      <PageHeader
        title={c.commonName || c.subject || `Serial ${c.serial}`}
        subtitle={<>Serial <span className="font-mono">{c.serial.toString()}</span> of <Link className="text-indigo-700 hover:underline" href={`/issuers/${encodeURIComponent(c.issuer.name)}`}>{c.issuer.name}</Link> · <span title={`profile "${c.profile}"`}>{profileText(c.profile)}</span> · <CertificateStatus status={c.status} notAfter={c.notAfter} revocationReason={c.revocationReason} awaitingRenewal={c.awaitingRenewal} replaced={c.replaced} /></>}
        actions={revocable && <ButtonLink variant="secondary" href={`/certificates/${c.id}/revoke`}>Revoke…</ButtonLink>}
      />
      {issued && <div className="mb-4"><Alert kind="success">Certificate issued{c.hasKey ? ". Download the key and certificate below." : "."}</Alert></div>}
      {capped && <div className="mb-4"><Alert kind="info">Valid until {c.notAfter.toISOString().slice(0, 10)}: capped at the CA&apos;s expiry (the issuer&apos;s certificate validity would have outlived the CA).</Alert></div>}
      {belowRn && <div className="mb-4"><Alert kind="warning">Its serial is below the issuer&apos;s revocation number ({c.issuer.revocationNumber.toString()}): devices reject it.</Alert></div>}
      {c.revocationReason && <div className="mb-4"><Alert>Revoked {c.revokedAt?.toISOString().slice(0, 10)} — reason: {REVOCATION_REASON_LABELS[c.revocationReason as RevocationReason] ?? c.revocationReason}</Alert></div>}
      <div className="grid grid-cols-1 gap-6 xl:grid-cols-3">
        <Card title="Details" className="xl:col-span-2"><CertificateView d={d} /></Card>
        <div className="space-y-6">
          <Card title="Download">
            <ul className="space-y-2 text-sm">
              <li><a className="font-medium text-indigo-700 hover:underline" href={`${dl}?format=pem`}>Certificate (PEM)</a></li>
              <li><a className="font-medium text-indigo-700 hover:underline" href={`${dl}?format=der`}>Certificate (DER)</a></li>
              <li><a className="font-medium text-indigo-700 hover:underline" href={`${dl}?format=chain`}>Chain with CA (PEM)</a></li>
              {c.hasKey && can(me.role, "certificates:write") && <li><a className="font-medium text-indigo-700 hover:underline" href={`${dl}?format=key`}>Private key (PEM, unencrypted)</a></li>}
            </ul>
            {c.hasKey && can(me.role, "certificates:write") && (
              <form method="post" action={dl} className="mt-4 space-y-2 border-t border-slate-100 pt-4">
                <input type="hidden" name="format" value="p12" />
                <label htmlFor="p12password" className="block text-sm font-medium text-slate-700">PKCS#12 password</label>
                <input id="p12password" name="password" type="password" minLength={8} required className="block w-full rounded-md border border-slate-300 px-3 py-2 text-sm" />
                <button className="rounded-md bg-indigo-600 px-3 py-2 text-sm font-semibold text-white hover:bg-indigo-700">Download PKCS#12</button>
              </form>
            )}
          </Card>
          {c.replacesId && <Card title="Renewal"><p className="text-sm">Replaces <Link className="text-indigo-700 hover:underline" href={`/certificates/${c.replacesId}`}>an earlier certificate</Link>.</p></Card>}
        </div>
      </div>
    </>
  );
}
