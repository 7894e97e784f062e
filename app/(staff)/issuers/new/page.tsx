import { Card, PageHeader } from "@/components/ui/Card";
import { requireUser } from "@/app/_lib/session";
import { possibleParents } from "@/lib/issuers/intermediate";
import { pkcs11Configured } from "@/lib/keys/config";
import { NewIssuerForm } from "./NewIssuerForm";

export const metadata = { title: "New issuer" };

export default async function NewIssuerPage({ searchParams }: { searchParams: Promise<{ parent?: string }> }) {
  await requireUser("issuers:write");
  // ?parent=NAME: "New intermediate" on an issuer page preselects it (ignored unless it may sign CAs).
  const { parent } = await searchParams;
  const parents = (await possibleParents()).map((p) => ({ ...p, notAfter: p.notAfter.toISOString() }));
  return (
    <>
      <PageHeader title="New issuer" subtitle="A new CA key pair and its certificate: self-signed (a root), or signed by another issuer (an intermediate). The private key is sealed with the master key and never leaves the server, or is generated in the hardware token and never leaves it." />
      <Card><NewIssuerForm parents={parents} defaultParent={parents.some((p) => p.name === parent) ? parent : undefined} tokenConfigured={pkcs11Configured()} /></Card>
    </>
  );
}
