"use server";
import { completeRevocation, excludeFromRevocation } from "@/lib/revocation/prefix";
import { renewCertificate } from "@/lib/revocation/renewal";
import { serialFromDecimal } from "@/lib/pki/fingerprint";
import { actorOf, requireUser } from "@/app/_lib/session";
import { str, submitThenRedirect, textOrFile, type FormState } from "@/app/_lib/actions";
import { dashboardUrl } from "./urls";

/*
 * Every action ends in a redirect to the dashboard with a notice code: the card the
 * form lived in usually disappears or changes (a completed revocation is no longer
 * pending), so a message kept in the form's state would be lost with it.
 */

export async function completeAction(_prev: FormState, form: FormData): Promise<FormState> {
  const me = await requireUser("certificates:write");
  return submitThenRedirect(form, async () => {
    const issuer = str(form, "issuer");
    const r = await completeRevocation(actorOf(me), { issuer, serial: serialFromDecimal(str(form, "serial")), force: str(form, "force") === "1" });
    return dashboardUrl(issuer, { notice: r.forced ? "forced" : "completed", serial: r.serial, rn: r.revocationNumber });
  });
}

export async function excludeAction(_prev: FormState, form: FormData): Promise<FormState> {
  const me = await requireUser("certificates:write");
  return submitThenRedirect(form, async () => {
    const issuer = str(form, "issuer");
    const serial = serialFromDecimal(str(form, "serial"));
    const r = await excludeFromRevocation(actorOf(me), { issuer, serial });
    return dashboardUrl(issuer, { notice: r.completed.length ? "excluded-completed" : "excluded", serial });
  });
}

export async function renewAction(_prev: FormState, form: FormData): Promise<FormState> {
  const me = await requireUser("certificates:write");
  return submitThenRedirect(form, async () => {
    const issuer = str(form, "issuer");
    const serial = serialFromDecimal(str(form, "serial"));
    const r = await renewCertificate(actorOf(me), { issuer, serial, csr: await textOrFile(form, "csr", "csrFile", "csr") });
    return dashboardUrl(issuer, { notice: r.completed.length ? "renewed-completed" : "renewed", serial, replacement: r.replacement.serial });
  });
}
