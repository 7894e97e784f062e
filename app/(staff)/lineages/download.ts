import "server-only";
import { can } from "@/lib/auth";
import { errorResponse, ForbiddenError } from "@/lib/errors";
import { currentUser } from "@/app/_lib/session";

/**
 * A signed-in download for the lineage pages: JSON errors (401 without a session) rather
 * than the sign-in redirect a page gets, attachment headers, never cached.
 */
export async function staffDownload(make: () => Promise<{ body: Uint8Array | string; contentType: string; filename: string }>): Promise<Response> {
  try {
    const me = await currentUser();
    if (!me) return Response.json({ error: "sign in first" }, { status: 401, headers: { "Cache-Control": "no-store" } });
    if (!can(me.role, "read")) throw new ForbiddenError("read");
    const f = await make();
    return new Response(typeof f.body === "string" ? f.body : Buffer.from(f.body), {
      headers: { "Content-Type": f.contentType, "Content-Disposition": `attachment; filename="${f.filename}"`, "Cache-Control": "no-store" },
    });
  } catch (err) {
    return errorResponse(err);
  }
}

/** File names from a lineage name: anything outside [A-Za-z0-9._-] becomes "_" (header-safe). */
export const fileStem = (name: string) => name.replace(/[^A-Za-z0-9._-]/g, "_");
