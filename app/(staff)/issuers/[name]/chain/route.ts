import { errorResponse } from "@/lib/errors";
import { issuerChainPem } from "@/lib/issuers/intermediate";
import { actorOf, currentUser } from "@/app/_lib/session";

export const dynamic = "force-dynamic";

/** The CA's certificate and every CA above it, PEM: what a server sends after its own certificate. */
export async function GET(_req: Request, { params }: { params: Promise<{ name: string }> }) {
  const me = await currentUser();
  if (!me) return Response.json({ error: "sign in first" }, { status: 401 });
  try {
    const { name } = await params;
    const file = await issuerChainPem(actorOf(me), name);
    return new Response(file.body, {
      headers: { "Content-Type": "application/x-pem-file", "Content-Disposition": `attachment; filename="${file.filename}"`, "Cache-Control": "no-store" },
    });
  } catch (err) {
    return errorResponse(err);
  }
}
