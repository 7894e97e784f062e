import { healthResponse } from "@/lib/http/health";

export const dynamic = "force-dynamic";

/** Same answer as the fast path in server.ts (lib/http/health.ts): 503 when this process cannot write. */
export function GET() {
  return healthResponse();
}
