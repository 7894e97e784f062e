import { Card, PageHeader } from "@/components/ui/Card";
import { requireUser } from "@/app/_lib/session";
import { NewTopologyForm } from "./NewTopologyForm";

export const metadata = { title: "New topology" };

export default async function NewTopologyPage() {
  await requireUser("topologies:write");
  return (
    <>
      <PageHeader title="New topology" subtitle="Name it, then draw its nodes and links in the editor." />
      <Card><NewTopologyForm /></Card>
    </>
  );
}
