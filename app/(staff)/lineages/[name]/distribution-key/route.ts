import { distributionKeyOf } from "@/lib/generations/lineage";
import { issuerParam } from "@/lib/http/params";
import { fileStem, staffDownload } from "../../download";

export const dynamic = "force-dynamic";

/** The distribution public key for device firmware: PEM, or SubjectPublicKeyInfo DER with ?format=der. */
export async function GET(req: Request, { params }: { params: Promise<{ name: string }> }) {
  const { name } = await params;
  const der = new URL(req.url).searchParams.get("format") === "der";
  return staffDownload(async () => {
    const k = await distributionKeyOf(issuerParam(name));
    return der
      ? { body: k.spki, contentType: "application/octet-stream", filename: `${fileStem(name)}-distribution-key.der` }
      : { body: k.pem, contentType: "application/x-pem-file", filename: `${fileStem(name)}-distribution-key.pem` };
  });
}
