import { z } from "zod";
import { renewCertificate } from "@/lib/revocation/renewal";
import { pemEncode } from "@/lib/pki/pem";
import { apiRoute, json, readJson } from "@/lib/http/api";
import { issuerParam, serialParam } from "@/lib/http/params";
import { certificateJson } from "@/lib/http/certificateJson";

export const dynamic = "force-dynamic";

const Body = z.object({ csr: z.string({ error: "csr must be a PEM string" }).min(1, "csr is required") });

/** An operator renews a certificate that has a renewal request, with the holder's CSR. */
export const POST = apiRoute("certificates:write", async (actor, req, { params }: { params: Promise<{ issuer: string; serial: string }> }) => {
  const { issuer, serial } = await params;
  const { csr } = await readJson(req, Body);
  const r = await renewCertificate(actor, { issuer: issuerParam(issuer), serial: serialParam(serial), csr });
  return json({ ...certificateJson(r.replacement, r.replacement.issuerName), pem: pemEncode("CERTIFICATE", r.replacement.der), revocationCompleted: r.completed.length > 0 }, 201);
});
