import { getCertificate } from "@/lib/certificates";
import { pemEncode } from "@/lib/pki/pem";
import { apiRoute, json } from "@/lib/http/api";
import { certificateJson } from "@/lib/http/certificateJson";

export const dynamic = "force-dynamic";

export const GET = apiRoute("read", async (_actor, _req, { params }: { params: Promise<{ id: string }> }) => {
  const { id } = await params;
  const c = await getCertificate(id);
  return json({ ...certificateJson(c, c.issuer.name), revokedAt: c.revokedAt, revocationReason: c.revocationReason, pem: pemEncode("CERTIFICATE", c.der) });
});
