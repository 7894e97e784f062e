import { listIssuers } from "@/lib/issuers/service";
import { PROFILES, REQUESTABLE_PROFILE_NAMES } from "@/lib/pki/profiles";
import { Alert, Card, PageHeader } from "@/components/ui/Card";
import { requireUser } from "@/app/_lib/session";
import { IssueForm } from "./IssueForm";

export const metadata = { title: "Issue certificate" };

export default async function IssuePage({ searchParams }: { searchParams: Promise<{ issuer?: string }> }) {
  await requireUser("certificates:write");
  const issuers = (await listIssuers()).map((i) => i.name);
  const { issuer } = await searchParams;
  // Only what a request may name: the internal profiles (repository, CA) are Rootline's own.
  const profiles = REQUESTABLE_PROFILE_NAMES.map((n) => ({ name: n, label: PROFILES[n].description }));
  return (
    <>
      <PageHeader title="Issue certificate" subtitle="Serials are allocated per issuer, always larger than every earlier one. Validity is the issuer's default." />
      <Card>{issuers.length ? <IssueForm issuers={issuers} profiles={profiles} defaultIssuer={issuer} /> : <Alert kind="info">Create an issuer first.</Alert>}</Card>
    </>
  );
}
