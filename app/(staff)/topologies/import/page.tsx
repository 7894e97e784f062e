import { Card, PageHeader } from "@/components/ui/Card";
import { requireUser } from "@/app/_lib/session";
import { ImportTopologyForm } from "./ImportTopologyForm";

export const metadata = { title: "Import topology" };

export default async function ImportTopologyPage() {
  await requireUser("topologies:write");
  return (
    <>
      <PageHeader
        title="Import topology"
        subtitle={<>JSON as <code>rootline plan</code> reads it: <code>{'{"nodes": [{"id", "direct", "label", "acceptsConnections", "x", "y"}], "links": [{"client", "server", "group", "auth"}]}'}</code>. Nodes without positions are laid out automatically.</>}
      />
      <Card><ImportTopologyForm /></Card>
    </>
  );
}
