"use server";
import { redirect } from "next/navigation";
import { createIssuer, importIssuer } from "@/lib/issuers/service";
import { InputError } from "@/lib/pki/errors";
import { MAX_OBJECT_BYTES } from "@/lib/pki/pem";
import { actorOf, requireUser } from "@/app/_lib/session";
import { formError, str, type FormState } from "@/app/_lib/actions";

export async function createIssuerAction(_prev: FormState, form: FormData): Promise<FormState> {
  const me = await requireUser("issuers:write");
  let name: string;
  try {
    const issuer = await createIssuer(actorOf(me), {
      name: str(form, "name"),
      keyType: str(form, "keyType"),
      subject: { CN: str(form, "cn"), O: str(form, "o"), OU: str(form, "ou"), C: str(form, "c") },
      validityDays: str(form, "validityDays") || undefined,
      certValidityDays: str(form, "certValidityDays") || undefined,
      firstSerial: str(form, "firstSerial") || undefined,
    });
    name = issuer.name;
  } catch (err) {
    return formError(err, form);
  }
  redirect(`/issuers/${encodeURIComponent(name)}`);
}

/** A pasted PEM or an uploaded file (PEM or DER), size-checked before it is read. */
export async function textOrFile(form: FormData, textField: string, fileField: string, field: string): Promise<Uint8Array | string> {
  const file = form.get(fileField);
  if (file instanceof File && file.size > 0) {
    if (file.size > MAX_OBJECT_BYTES) throw new InputError(field, `the file is too large (${file.size} bytes; at most ${MAX_OBJECT_BYTES})`, 413);
    return new Uint8Array(await file.arrayBuffer());
  }
  const text = str(form, textField).trim();
  if (!text) throw new InputError(field, "paste the PEM or choose a file");
  return text;
}

export async function importIssuerAction(_prev: FormState, form: FormData): Promise<FormState> {
  const me = await requireUser("issuers:write");
  let name: string;
  try {
    const issuer = await importIssuer(actorOf(me), {
      name: str(form, "name"),
      certificate: await textOrFile(form, "certificate", "certificateFile", "certificate"),
      privateKey: await textOrFile(form, "privateKey", "privateKeyFile", "privateKey"),
      certValidityDays: str(form, "certValidityDays") || undefined,
      firstSerial: str(form, "firstSerial") || undefined,
    });
    name = issuer.name;
  } catch (err) {
    return formError(err, form);
  }
  redirect(`/issuers/${encodeURIComponent(name)}`);
}
