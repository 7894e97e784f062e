import { agentPollRoute } from "@/lib/rotation-run/agentApi";

export const dynamic = "force-dynamic";

/** Node agents' polls (server.ts serves this path without Next's pipeline, with the same handler). */
export function POST(req: Request) {
  return agentPollRoute(req);
}
