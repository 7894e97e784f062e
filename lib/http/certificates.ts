import { z } from "zod";
import type { Actor } from "../auth/actor";
import { issueCertificate, listCertificates, requestFromCsr } from "../certificates";
import { pemEncode } from "../pki/pem";
import { json, readJson } from "./api";
import { certificateJson } from "./certificateJson";

const IssueBody = z.object({
  issuer: z.string({ error: "issuer (the issuer's name) is required" }).min(1, "issuer is required"),
  csr: z.string({ error: "csr must be a PEM string" }).min(1, "csr is required"),
  // Built-in or custom (lib/profiles): the one profile lookup says which names exist.
  profile: z.string({ error: "profile must be a profile name (server, client, both, proxy or a custom one)" }).max(64).optional(),
  validityDays: z.union([z.number(), z.string()], { error: "validityDays must be a number of days" }).optional(),
  sans: z.array(z.string({ error: "each SAN must be a string like DNS:host or IP:1.2.3.4" }), { error: "sans must be an array of strings" }).max(100).optional(),
});

/** POST /api/v1/certificates: issue from a CSR. */
export async function issueFromCsr(actor: Actor, req: Request): Promise<Response> {
  const body = await readJson(req, IssueBody);
  const cert = await issueCertificate(actor, body.issuer, await requestFromCsr({ csr: body.csr, profile: body.profile, sans: body.sans, validityDays: body.validityDays }));
  return json({ ...certificateJson(cert, cert.issuerName), cappedAtCaExpiry: cert.cappedAtCaExpiry, pem: pemEncode("CERTIFICATE", cert.der) }, 201);
}

/** GET /api/v1/certificates: the UI's filters as query parameters. */
export async function listCertificatesJson(_actor: Actor, req: Request): Promise<Response> {
  const sp = new URL(req.url).searchParams;
  const r = await listCertificates({
    q: sp.get("q") ?? undefined,
    issuer: sp.get("issuer") ?? undefined,
    status: sp.get("status") ?? undefined,
    expiringWithinDays: sp.get("expiring") ?? undefined,
    sort: sp.get("sort") ?? undefined,
    dir: sp.get("dir") ?? undefined,
    page: sp.get("page") ?? undefined,
    pageSize: sp.get("pageSize") ?? undefined,
  });
  return json({ total: r.total, page: r.page, pageSize: r.pageSize, pages: r.pages, certificates: r.rows.map((c) => certificateJson(c, c.issuerName)) });
}
