import { databaseWriteHealth } from "../db";

/**
 * GET /api/health: 200 {status:"ok"} when this process can write its database, else
 * 503 {status:"degraded", db, detail} — "busy" (another process has held the write lock
 * for over a second), "wedged" (a transaction of this process never ended) or "error".
 * Cheap: the write probe runs at most once a second (lib/sqlite.ts).
 */
export async function healthReply(): Promise<{ status: number; body: string }> {
  let h;
  try {
    h = await databaseWriteHealth();
  } catch (e) {
    h = { ok: false as const, db: "error" as const, detail: e instanceof Error ? e.message : String(e) };
  }
  if (h.ok) return { status: 200, body: '{"status":"ok"}' };
  return { status: 503, body: JSON.stringify({ status: "degraded", db: h.db, detail: h.detail }) };
}

export const HEALTH_HEADERS = { "Content-Type": "application/json", "Cache-Control": "no-store" } as const;

export async function healthResponse(): Promise<Response> {
  const r = await healthReply();
  return new Response(r.body, { status: r.status, headers: HEALTH_HEADERS });
}
