import { exportTopology } from "@/lib/topologies";
import { errorResponse } from "@/lib/errors";
import { currentUser } from "@/app/_lib/session";

export const dynamic = "force-dynamic";

/** The stored document as canonical JSON (the format `rootline plan` reads), as a download. */
export async function GET(_req: Request, { params }: { params: Promise<{ id: string }> }) {
  if (!(await currentUser())) return Response.json({ error: "sign in first" }, { status: 401 });
  try {
    const file = await exportTopology((await params).id);
    return new Response(file.body, {
      headers: {
        "Content-Type": "application/json; charset=utf-8",
        "Content-Disposition": `attachment; filename="${file.filename}"`,
        "Cache-Control": "no-store",
      },
    });
  } catch (err) {
    return errorResponse(err);
  }
}
