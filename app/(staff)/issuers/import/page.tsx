import { Card, PageHeader } from "@/components/ui/Card";
import { requireUser } from "@/app/_lib/session";
import { ImportIssuerForm } from "./ImportIssuerForm";

export const metadata = { title: "Import issuer" };

export default async function ImportIssuerPage() {
  await requireUser("issuers:write");
  return (
    <>
      <PageHeader title="Import issuer" subtitle="Bring an existing CA: its certificate and its private key. A key that does not match the certificate is refused." />
      <Card><ImportIssuerForm /></Card>
    </>
  );
}
