import { caCertificate } from "@/lib/repository/documents";
import { serveDocument } from "@/app/_lib/repository";

export const dynamic = "force-dynamic";

export async function GET(req: Request, { params }: { params: Promise<{ issuer: string }> }) {
  const { issuer } = await params;
  const format = new URL(req.url).searchParams.get("format") === "pem" ? "pem" : "der";
  return serveDocument(req, () => caCertificate(decodeURIComponent(issuer), format));
}
