import { notFound } from "next/navigation";
import { can } from "@/lib/auth";
import { NotFoundError } from "@/lib/errors";
import { runDetail, runLive } from "@/lib/rotation-run/view";
import { requireUser } from "@/app/_lib/session";
import { RunView } from "./RunView";

export async function generateMetadata({ params }: { params: Promise<{ runId: string }> }) {
  return { title: `Rotation run ${(await params).runId.slice(0, 10)}` };
}

export default async function RunPage({ params }: { params: Promise<{ id: string; runId: string }> }) {
  const me = await requireUser();
  const { id, runId } = await params;
  const orNotFound = (e: unknown) => (e instanceof NotFoundError ? notFound() : Promise.reject(e));
  const [detail, live] = await Promise.all([runDetail(runId, id).catch(orNotFound), runLive(runId, id).catch(orNotFound)]);
  return <RunView detail={detail} initial={live} canResume={can(me.role, "topologies:write") && can(me.role, "issuers:write")} canAudit={can(me.role, "audit:read")} />;
}
