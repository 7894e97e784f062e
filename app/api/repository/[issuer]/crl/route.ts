import { crl } from "@/lib/repository/documents";
import { serveDocument } from "@/app/_lib/repository";

export const dynamic = "force-dynamic";

/** The X.509 CRL (DER) for ordinary TLS clients. */
export async function GET(req: Request, { params }: { params: Promise<{ issuer: string }> }) {
  const { issuer } = await params;
  return serveDocument(req, () => crl(decodeURIComponent(issuer)));
}
