import { can } from "@/lib/auth";
import { errorResponse, ForbiddenError } from "@/lib/errors";
import { runLive } from "@/lib/rotation-run/view";
import { currentUser } from "@/app/_lib/session";

export const dynamic = "force-dynamic";

/**
 * The run page's live state (GET /topologies/<id>/runs/<run>/state): tasks, node stores and
 * link health, polled every second while the run goes on. Signed-in staff only, by session
 * cookie; JSON errors rather than the sign-in redirect a page gets.
 */
export async function GET(_req: Request, { params }: { params: Promise<{ id: string; runId: string }> }): Promise<Response> {
  try {
    const me = await currentUser();
    if (!me) return Response.json({ error: "sign in first" }, { status: 401, headers: { "Cache-Control": "no-store" } });
    if (!can(me.role, "read")) throw new ForbiddenError("read");
    const { id, runId } = await params;
    return Response.json(await runLive(runId, id), { headers: { "Cache-Control": "no-store" } });
  } catch (err) {
    return errorResponse(err);
  }
}
