import Link from "next/link";
import { listIssuers } from "@/lib/issuers/service";
import { requestableProfiles } from "@/lib/profiles/service";
import { Alert, Card, PageHeader } from "@/components/ui/Card";
import { requireUser } from "@/app/_lib/session";
import { IssueForm } from "./IssueForm";

export const metadata = { title: "Issue certificate" };

export default async function IssuePage({ searchParams }: { searchParams: Promise<{ issuer?: string }> }) {
  await requireUser("certificates:write");
  const issuers = (await listIssuers()).map((i) => i.name);
  const { issuer } = await searchParams;
  // Only what a request may name: the internal profiles (repository, CA) are Rootline's own.
  const profiles = (await requestableProfiles()).map((p) => ({ name: p.name, label: (p.custom ? `${p.name}: ${p.description}` : p.description) + (p.maxValidityDays ? ` (at most ${p.maxValidityDays} days)` : "") }));
  return (
    <>
      <PageHeader title="Issue certificate" subtitle={<>Serials are allocated per issuer, always larger than every earlier one. Validity: the issuer&apos;s certificate validity unless you give a shorter one (a profile may lower it; see <Link className="text-indigo-700 hover:underline" href="/profiles">Profiles</Link>).</>} />
      <Card>{issuers.length ? <IssueForm issuers={issuers} profiles={profiles} defaultIssuer={issuer} /> : <Alert kind="info">Create an issuer first.</Alert>}</Card>
    </>
  );
}
