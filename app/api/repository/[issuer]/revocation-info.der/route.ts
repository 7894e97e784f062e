import { revocationInfoDer } from "@/lib/repository/documents";
import { serveDocument } from "@/app/_lib/repository";

export const dynamic = "force-dynamic";

/** The compact DER form of the signed revocation information. */
export async function GET(req: Request, { params }: { params: Promise<{ issuer: string }> }) {
  const { issuer } = await params;
  return serveDocument(req, () => revocationInfoDer(decodeURIComponent(issuer)));
}
