import { z } from "zod";
import { issueCertificate, listCertificates, requestFromCsr } from "@/lib/certificates";
import { pemEncode } from "@/lib/pki/pem";
import { apiRoute, json, readJson } from "@/app/_lib/api";
import { certificateJson } from "./serialize";

export const dynamic = "force-dynamic";

const IssueBody = z.object({
  issuer: z.string({ error: "issuer (the issuer's name) is required" }).min(1, "issuer is required"),
  csr: z.string({ error: "csr must be a PEM string" }).min(1, "csr is required"),
  profile: z.enum(["server", "client", "both"], { error: "profile must be server, client or both" }).optional(),
  sans: z.array(z.string({ error: "each SAN must be a string like DNS:host or IP:1.2.3.4" }), { error: "sans must be an array of strings" }).max(100).optional(),
});

/** Issue from a CSR. */
export const POST = apiRoute("certificates:write", async (actor, req) => {
  const body = await readJson(req, IssueBody);
  const cert = await issueCertificate(actor, body.issuer, await requestFromCsr({ csr: body.csr, profile: body.profile, sans: body.sans }));
  return json({ ...certificateJson(cert, cert.issuerName), pem: pemEncode("CERTIFICATE", cert.der) }, 201);
});

/** List, with the same filters as the UI: q, issuer, status, expiring, sort, dir, page, pageSize. */
export const GET = apiRoute("read", async (_actor, req) => {
  const sp = new URL(req.url).searchParams;
  const r = await listCertificates({
    q: sp.get("q") ?? undefined,
    issuer: sp.get("issuer") ?? undefined,
    status: (sp.get("status") ?? undefined) as never,
    expiringWithinDays: sp.get("expiring") ?? undefined,
    sort: (sp.get("sort") ?? undefined) as never,
    dir: (sp.get("dir") ?? undefined) as never,
    page: sp.get("page") ?? undefined,
    pageSize: sp.get("pageSize") ?? undefined,
  } as never);
  return json({ total: r.total, page: r.page, pageSize: r.pageSize, pages: r.pages, certificates: r.rows.map((c) => certificateJson(c, c.issuerName)) });
});
