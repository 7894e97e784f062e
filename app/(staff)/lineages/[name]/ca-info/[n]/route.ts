import { caInfoJsonText, caInfoToJson } from "@/lib/generations/caInfo";
import { caInfoOf } from "@/lib/generations/lineage";
import { NotFoundError } from "@/lib/errors";
import { issuerParam } from "@/lib/http/params";
import { fileStem, staffDownload } from "../../../download";

export const dynamic = "force-dynamic";

/** CA information n as published: the JSON form, or the DER form with ?format=der (docs/CA_INFORMATION.md). */
export async function GET(req: Request, { params }: { params: Promise<{ name: string; n: string }> }) {
  const { name, n } = await params;
  const der = new URL(req.url).searchParams.get("format") === "der";
  return staffDownload(async () => {
    if (!/^[1-9][0-9]{0,8}$/.test(n)) throw new NotFoundError("generation", `no generation ${JSON.stringify(n.slice(0, 20))}`);
    const info = await caInfoOf(issuerParam(name), Number(n));
    const stem = `${fileStem(name)}-ca-info-${n}`;
    return der
      ? { body: info.der, contentType: "application/octet-stream", filename: `${stem}.der` }
      : { body: caInfoJsonText(caInfoToJson(info)), contentType: "application/json", filename: `${stem}.json` };
  });
}
