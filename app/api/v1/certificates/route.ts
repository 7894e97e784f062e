import { apiRoute } from "@/lib/http/api";
import { issueFromCsr, listCertificatesJson } from "@/lib/http/certificates";

export const dynamic = "force-dynamic";

/** Issue from a CSR (server.ts serves this path without Next's pipeline, with the same handler). */
export const POST = apiRoute("certificates:write", issueFromCsr);

/** List, with the same filters as the UI: q, issuer, status, expiring, sort, dir, page, pageSize. */
export const GET = apiRoute("read", listCertificatesJson);
