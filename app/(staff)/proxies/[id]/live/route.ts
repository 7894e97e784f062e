import { errorResponse } from "@/lib/errors";
import { proxyLive } from "@/lib/proxies";
import { actorOf, currentUser } from "@/app/_lib/session";

export const dynamic = "force-dynamic";

/**
 * The proxy page's live part (GET /proxies/<id>/live): last report, counters, decisions, polled
 * every few seconds. Signed-in staff only, by session cookie; JSON errors, not the sign-in redirect.
 */
export async function GET(_req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  try {
    const me = await currentUser();
    if (!me) return Response.json({ error: "sign in first" }, { status: 401, headers: { "Cache-Control": "no-store" } });
    return Response.json(await proxyLive(actorOf(me), (await params).id), { headers: { "Cache-Control": "no-store" } });
  } catch (err) {
    return errorResponse(err);
  }
}
