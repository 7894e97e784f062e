import { notFound } from "next/navigation";
import { can } from "@/lib/auth";
import { NotFoundError } from "@/lib/errors";
import { getTopology } from "@/lib/topologies";
import { TopologyWorkspace } from "@/components/topology/TopologyWorkspace";
import { requireUser } from "@/app/_lib/session";
import { renameTopologyAction, saveTopologyAction } from "../actions";

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }) {
  const t = await getTopology((await params).id).catch(() => null);
  return { title: t ? `${t.name} · Topology` : "Topology" };
}

export default async function TopologyPage({ params }: { params: Promise<{ id: string }> }) {
  const me = await requireUser();
  const { id } = await params;
  const t = await getTopology(id).catch((e) => (e instanceof NotFoundError ? notFound() : Promise.reject(e)));
  return (
    <TopologyWorkspace
      id={t.id}
      name={t.name}
      document={t.document}
      updatedAt={t.updatedAt.toISOString()}
      canWrite={can(me.role, "topologies:write")}
      save={saveTopologyAction}
      rename={renameTopologyAction}
    />
  );
}
