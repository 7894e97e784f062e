import { issuerList } from "@/lib/repository/documents";
import { serveDocument } from "@/app/_lib/repository";

export const dynamic = "force-dynamic";

export function GET(req: Request) {
  return serveDocument(req, issuerList);
}
