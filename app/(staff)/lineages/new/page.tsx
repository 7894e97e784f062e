import { Card, PageHeader } from "@/components/ui/Card";
import { requireUser } from "@/app/_lib/session";
import { pkcs11Configured } from "@/lib/keys/config";
import { NewLineageForm } from "./NewLineageForm";

export const metadata = { title: "New lineage" };

export default async function NewLineagePage() {
  await requireUser("issuers:write");
  return (
    <>
      <PageHeader
        title="New lineage"
        subtitle="Creates the distribution key and generation 1. Devices are built with the distribution key's public half and CA information 1; from then on they follow each generation to the next by themselves."
      />
      <Card><NewLineageForm tokenConfigured={pkcs11Configured()} /></Card>
    </>
  );
}
