import { repositoryResponse } from "@/lib/http/repository";

export const dynamic = "force-dynamic";

// The dispatch lives in lib/http/repository.ts (shared with server.ts's fast path).
export const GET = repositoryResponse;
export const HEAD = repositoryResponse;
