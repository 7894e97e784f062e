import { exportCertificate } from "@/lib/certificates";
import { errorResponse } from "@/lib/errors";
import { actorOf, currentUser } from "@/app/_lib/session";

export const dynamic = "force-dynamic";

async function respond(id: string, format: string, password?: string): Promise<Response> {
  const me = await currentUser();
  if (!me) return Response.json({ error: "sign in first" }, { status: 401 });
  try {
    const file = await exportCertificate(actorOf(me), id, format, password);
    return new Response(Buffer.from(file.body), {
      headers: {
        "Content-Type": file.contentType,
        "Content-Disposition": `attachment; filename="${file.filename}"`,
        "Cache-Control": "no-store",
      },
    });
  } catch (err) {
    return errorResponse(err);
  }
}

/** Certificates (pem, der, chain) and, for operators, a generated key as PEM. */
export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return respond(id, new URL(req.url).searchParams.get("format") ?? "pem");
}

/** PKCS#12: the password comes in a form body, never in a URL. */
export async function POST(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const form = await req.formData();
  const password = form.get("password");
  return respond(id, String(form.get("format") ?? "p12"), typeof password === "string" ? password : undefined);
}
