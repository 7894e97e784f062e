"use server";
import { issueCertificate, requestFromCsr, requestWithGeneratedKey } from "@/lib/certificates";
import { actorOf, requireUser } from "@/app/_lib/session";
import { str, submitThenRedirect, textOrFile, type FormState } from "@/app/_lib/actions";

function sans(form: FormData): string[] | undefined {
  const list = str(form, "sans").split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
  return list.length ? list : undefined;
}

export async function issueAction(_prev: FormState, form: FormData): Promise<FormState> {
  const me = await requireUser("certificates:write");
  return submitThenRedirect(form, async () => {
    const profile = str(form, "profile") || "server";
    const req =
      str(form, "mode") === "generate"
        ? await requestWithGeneratedKey({
            subject: { CN: str(form, "cn"), O: str(form, "o"), OU: str(form, "ou"), C: str(form, "c") },
            keyType: str(form, "keyType"),
            profile,
            sans: sans(form),
            validityDays: str(form, "validityDays"),
          })
        : await requestFromCsr({ csr: await textOrFile(form, "csr", "csrFile", "csr"), profile, sans: sans(form), validityDays: str(form, "validityDays") });
    const cert = await issueCertificate(actorOf(me), str(form, "issuer"), req);
    return `/certificates/${cert.id}?issued=1`;
  });
}
