import { z } from "zod";
import { pendingRenewal, renewWithProof, renewWithToken } from "@/lib/revocation/renewal";
import { errorResponse } from "@/lib/errors";
import { pemEncode } from "@/lib/pki/pem";
import { json, readJson } from "@/lib/http/api";
import { issuerParam, serialParam } from "@/lib/http/params";

export const dynamic = "force-dynamic";

type Ctx = { params: Promise<{ issuer: string; serial: string }> };

/**
 * For application servers (SPEC 2.1): is a renewal due for my certificate? Public and
 * read-only: it only says that one is due, and why.
 */
export async function GET(_req: Request, { params }: Ctx) {
  try {
    const { issuer, serial } = await params;
    const target = { issuer: issuerParam(issuer), serial: serialParam(serial) };
    const p = await pendingRenewal(target.issuer, target.serial);
    return p ? json({ pending: true, ...p }) : json({ pending: false, issuer: target.issuer, serial: target.serial.toString() });
  } catch (err) {
    return errorResponse(err);
  }
}

const Body = z.union([
  z.object({ csr: z.string({ error: "csr must be a PEM string" }).min(1), token: z.string({ error: "token must be a string" }).min(1) }).strict(),
  z.object({
    csr: z.string({ error: "csr must be a PEM string" }).min(1),
    certificate: z.string({ error: "certificate must be the current certificate as PEM" }).min(1),
    signature: z.string({ error: "signature must be base64" }).regex(/^[A-Za-z0-9+/]+={0,2}$/, "signature must be base64"),
  }).strict(),
], { error: "send {csr, token} (one-time renewal token) or {csr, certificate, signature} (signature over the CSR's DER with the current key)" });

/**
 * The holder obtains its replacement: a CSR with a new key pair, authenticated by the
 * one-time renewal token or by a signature with its current key.
 */
export async function POST(req: Request, { params }: Ctx) {
  try {
    const { issuer, serial } = await params;
    const target = { issuer: issuerParam(issuer), serial: serialParam(serial) };
    const body = await readJson(req, Body);
    const r =
      "token" in body
        ? await renewWithToken({ ...target, token: body.token, csr: body.csr })
        : await renewWithProof({ ...target, certificate: body.certificate, signature: new Uint8Array(Buffer.from(body.signature, "base64")), csr: body.csr });
    return json({ issuer: r.replacement.issuerName, serial: r.replacement.serial.toString(), pem: pemEncode("CERTIFICATE", r.replacement.der), revocationCompleted: r.completed.length > 0 }, 201);
  } catch (err) {
    return errorResponse(err);
  }
}
