"use server";
import { createIssuer, importIssuer } from "@/lib/issuers/service";
import { actorOf, requireUser } from "@/app/_lib/session";
import { str, submitThenRedirect, textOrFile, type FormState } from "@/app/_lib/actions";

const issuerPage = (name: string) => `/issuers/${encodeURIComponent(name)}`;

export async function createIssuerAction(_prev: FormState, form: FormData): Promise<FormState> {
  const me = await requireUser("issuers:write");
  return submitThenRedirect(form, async () => {
    const issuer = await createIssuer(actorOf(me), {
      name: str(form, "name"),
      keyType: str(form, "keyType"),
      keyStorage: str(form, "keyStorage") || undefined,
      subject: { CN: str(form, "cn"), O: str(form, "o"), OU: str(form, "ou"), C: str(form, "c") },
      validityDays: str(form, "validityDays") || undefined,
      certValidityDays: str(form, "certValidityDays") || undefined,
      firstSerial: str(form, "firstSerial") || undefined,
      parent: str(form, "parent") || undefined,
      pathLength: str(form, "pathLength") || undefined,
      permittedDns: str(form, "permittedDns"),
      permittedIp: str(form, "permittedIp"),
      publicUrl: str(form, "publicUrl") || undefined,
    });
    return issuerPage(issuer.name);
  });
}

export async function importIssuerAction(_prev: FormState, form: FormData): Promise<FormState> {
  const me = await requireUser("issuers:write");
  return submitThenRedirect(form, async () => {
    const issuer = await importIssuer(actorOf(me), {
      name: str(form, "name"),
      certificate: await textOrFile(form, "certificate", "certificateFile", "certificate"),
      privateKey: await textOrFile(form, "privateKey", "privateKeyFile", "privateKey"),
      certValidityDays: str(form, "certValidityDays") || undefined,
      firstSerial: str(form, "firstSerial") || undefined,
      rollover: str(form, "rollover") === "on",
    });
    return issuerPage(issuer.name);
  });
}
