import { listIssuers } from "@/lib/issuers/service";
import { pemEncode } from "@/lib/pki/pem";
import { apiRoute, json } from "@/lib/http/api";

export const dynamic = "force-dynamic";

export const GET = apiRoute("read", async () => {
  const issuers = await listIssuers();
  return json({
    issuers: issuers.map((i) => ({
      name: i.name,
      subject: i.subject,
      keyType: i.keyType,
      notAfter: i.notAfter.toISOString(),
      revocationNumber: i.revocationNumber.toString(),
      nextSerial: i.nextSerial.toString(),
      certificate: pemEncode("CERTIFICATE", i.certificateDer),
    })),
  });
});
