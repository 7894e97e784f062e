import Link from "next/link";
import { notFound } from "next/navigation";
import { getCertificate } from "@/lib/certificates";
import { InputError, NotFoundError } from "@/lib/errors";
import { previewRevocation, type RevocationPreview } from "@/lib/revocation/prefix";
import { pendingMentions, type PendingMention } from "@/lib/revocation/history";
import { mentionData } from "@/components/revocation/PendingMention";
import { Alert, PageHeader } from "@/components/ui/Card";
import { requireUser } from "@/app/_lib/session";
import { dashboardUrl } from "../../../revocation/urls";
import { RevokeForm, type PreviewData } from "./RevokeForm";

export const metadata = { title: "Revoke certificate" };

function serialize(certificateId: string, p: RevocationPreview, pending: PendingMention[]): PreviewData {
  return {
    certificateId,
    issuer: p.issuer,
    serial: p.serial.toString(),
    subject: p.target.subject,
    currentRn: p.currentRevocationNumber.toString(),
    newRn: p.newRevocationNumber.toString(),
    affected: p.affected.map((a) => ({ serial: a.serial.toString(), subject: a.subject, sans: a.sans, notAfter: a.notAfter.toISOString().slice(0, 10), isTarget: a.isTarget, pendingElsewhere: a.pendingElsewhere })),
    pending: pending.map(mentionData),
  };
}

export default async function RevokePage({ params }: { params: Promise<{ id: string }> }) {
  await requireUser("certificates:write");
  const { id } = await params;
  const c = await getCertificate(id).catch((e) => (e instanceof NotFoundError ? notFound() : Promise.reject(e)));
  // The preview refuses what cannot be revoked (already revoked, below the RN): show why instead of a form.
  let preview: PreviewData | null = null;
  let refusal: string | null = null;
  try {
    preview = serialize(c.id, await previewRevocation(c.issuer.name, c.serial), await pendingMentions(c.issuer.name));
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    refusal = e.message;
  }
  const subtitle = <>{c.subject || "(no subject)"} · issuer <Link className="text-indigo-700 hover:underline" href={`/issuers/${encodeURIComponent(c.issuer.name)}`}>{c.issuer.name}</Link></>;
  const back = <Link className="text-sm font-medium text-indigo-700 hover:underline" href={`/certificates/${c.id}`}>← Back to the certificate</Link>;
  // The form draws the header itself: once the revocation is done, its title says so.
  if (preview && !refusal) return <RevokeForm preview={preview} subtitle={subtitle} back={back} />;
  return (
    <>
      <PageHeader title={<>Revoke serial <span className="font-mono">{c.serial.toString()}</span></>} subtitle={subtitle} actions={back} />
      <Alert>
        <p className="font-semibold">This certificate cannot be revoked.</p>
        <p className="mt-1">{refusal}</p>
        <p className="mt-2"><Link className="font-medium underline" href={dashboardUrl(c.issuer.name)}>See the revocation state of {c.issuer.name}</Link></p>
      </Alert>
    </>
  );
}
