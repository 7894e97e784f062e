import { can } from "@/lib/auth";
import { auditExportStream, type AuditExportFormat } from "@/lib/audit/export";
import { parseAuditFilter } from "@/lib/audit/query";
import { errorResponse, ForbiddenError, InputError } from "@/lib/errors";
import { currentUser } from "@/app/_lib/session";

export const dynamic = "force-dynamic";

const TYPES: Record<AuditExportFormat, string> = { csv: "text/csv; charset=utf-8", jsonl: "application/jsonl; charset=utf-8" };

/**
 * GET /audit/export?format=csv|jsonl&<the page's filter>: the filtered log, oldest first,
 * streamed. Auditors and administrators, by session cookie, like the page; JSON errors
 * rather than the sign-in redirect a page gets.
 */
export async function GET(req: Request): Promise<Response> {
  try {
    const me = await currentUser();
    if (!me) return Response.json({ error: "sign in first" }, { status: 401, headers: { "Cache-Control": "no-store" } });
    if (!can(me.role, "audit:read")) throw new ForbiddenError("audit:read");
    const sp = new URL(req.url).searchParams;
    const format = sp.get("format") ?? "jsonl";
    if (format !== "csv" && format !== "jsonl") throw new InputError("format", "format is csv or jsonl");
    const filter = parseAuditFilter(sp);
    const stamp = new Date().toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-");
    return new Response(auditExportStream(filter, format), {
      headers: {
        "Content-Type": TYPES[format],
        "Content-Disposition": `attachment; filename="rootline-audit-${stamp}.${format}"`,
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
      },
    });
  } catch (err) {
    return errorResponse(err);
  }
}
