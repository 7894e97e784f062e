import { can } from "@/lib/auth";
import { errorResponse, ForbiddenError, InputError } from "@/lib/errors";
import { issuerParam } from "@/lib/http/params";
import { revocationProgress } from "@/lib/revocation/progress";
import { currentUser } from "@/app/_lib/session";

export const dynamic = "force-dynamic";

/**
 * The dashboard's live progress (GET /revocation/progress?issuer=…): counts of the
 * issuer's pending revocations, polled by LiveProgress while any is pending. Signed-in
 * staff only, by session cookie; JSON errors rather than the sign-in redirect a page gets.
 */
export async function GET(req: Request): Promise<Response> {
  try {
    const me = await currentUser();
    if (!me) return Response.json({ error: "sign in first" }, { status: 401, headers: { "Cache-Control": "no-store" } });
    if (!can(me.role, "read")) throw new ForbiddenError("read");
    const issuer = new URL(req.url).searchParams.get("issuer");
    if (!issuer) throw new InputError("issuer", "name the issuer: ?issuer=<name>");
    return Response.json(await revocationProgress(issuerParam(issuer)), { headers: { "Cache-Control": "no-store" } });
  } catch (err) {
    return errorResponse(err);
  }
}
