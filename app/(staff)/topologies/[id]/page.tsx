import { notFound } from "next/navigation";
import { can } from "@/lib/auth";
import { NotFoundError } from "@/lib/errors";
import { topologyRotation } from "@/lib/rotation-run/view";
import { getTopology } from "@/lib/topologies";
import { TopologyWorkspace } from "@/components/topology/TopologyWorkspace";
import { requireUser } from "@/app/_lib/session";
import { renameTopologyAction, saveTopologyAction } from "../actions";
import { RotationSection } from "./RotationSection";

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }) {
  const t = await getTopology((await params).id).catch(() => null);
  return { title: t ? `${t.name} · Topology` : "Topology" };
}

export default async function TopologyPage({ params }: { params: Promise<{ id: string }> }) {
  const me = await requireUser();
  const { id } = await params;
  const t = await getTopology(id).catch((e) => (e instanceof NotFoundError ? notFound() : Promise.reject(e)));
  const rotation = await topologyRotation(t.id, t.document);
  const canWrite = can(me.role, "topologies:write");
  return (
    <>
      <TopologyWorkspace
        id={t.id}
        name={t.name}
        document={t.document}
        updatedAt={t.updatedAt.toISOString()}
        canWrite={canWrite}
        save={saveTopologyAction}
        rename={renameTopologyAction}
        rotationRuns={rotation.runs.length}
      />
      {/* Starting a run needs issuers:write as well (it makes the issuer's new root). */}
      <RotationSection id={t.id} name={t.name} valid={t.errors.length === 0} data={rotation} canWrite={canWrite && can(me.role, "issuers:write")} />
    </>
  );
}
