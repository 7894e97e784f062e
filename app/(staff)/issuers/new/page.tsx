import { Card, PageHeader } from "@/components/ui/Card";
import { requireUser } from "@/app/_lib/session";
import { NewIssuerForm } from "./NewIssuerForm";

export const metadata = { title: "New issuer" };

export default async function NewIssuerPage() {
  await requireUser("issuers:write");
  return (
    <>
      <PageHeader title="New issuer" subtitle="A new CA key pair and self-signed CA certificate. The private key is sealed with the master key and never leaves the server." />
      <Card><NewIssuerForm /></Card>
    </>
  );
}
