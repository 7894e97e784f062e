import { proxyReportRoute } from "@/lib/proxies/reception";

export const dynamic = "force-dynamic";

/** CA proxies' signed reports (lib/proxies/reception.ts: body cap, verification, storage, errors). */
export function POST(req: Request) {
  return proxyReportRoute(req);
}
