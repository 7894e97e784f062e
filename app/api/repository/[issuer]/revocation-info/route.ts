import { revocationInfoJson } from "@/lib/repository/documents";
import { serveDocument } from "@/app/_lib/repository";

export const dynamic = "force-dynamic";

/** Signed {issuer, revocationNumber} as JSON (docs/REVOCATION_INFO.md). */
export async function GET(req: Request, { params }: { params: Promise<{ issuer: string }> }) {
  const { issuer } = await params;
  return serveDocument(req, () => revocationInfoJson(decodeURIComponent(issuer)));
}
