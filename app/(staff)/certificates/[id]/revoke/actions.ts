"use server";
import { redirect } from "next/navigation";
import { getCertificate } from "@/lib/certificates";
import { serialFromDecimal } from "@/lib/pki/fingerprint";
import { parseDeadline } from "@/lib/revocation/deadline";
import { startRevocation } from "@/lib/revocation/prefix";
import { pendingMentions } from "@/lib/revocation/history";
import { mentionData, type PendingMentionData } from "@/components/revocation/PendingMention";
import { actorOf, requireUser } from "@/app/_lib/session";
import { fieldError, formError, str, type FormState } from "@/app/_lib/actions";
import { dashboardUrl } from "../../../revocation/urls";

export interface StartedResult {
  issuer: string;
  serial: string;
  revocationNumber: string;
  /** Serials whose renewal the RN still waits for (empty when it already moved). */
  awaiting: string[];
  /** Where "Done" leads: the dashboard with the notice for this revocation. */
  next: string;
  tokens: { serial: string; token: string }[];
  /** The issuer's other revocations still pending: the result mentions them. */
  alsoPending: PendingMentionData[];
}

/**
 * Starts the prefix revocation of a certificate. The issuer and serial come from the
 * stored certificate, not from the form, so the preview and the revocation agree.
 * Renewal tokens exist only in this response: when there are any, the form shows them
 * once instead of redirecting, since a redirect would drop them.
 */
export async function revokeAction(_prev: FormState<StartedResult>, form: FormData): Promise<FormState<StartedResult>> {
  const me = await requireUser("certificates:write");
  if (!str(form, "reason")) return fieldError(form, "reason", "choose the reason for the revocation");
  let next: string;
  try {
    const c = await getCertificate(str(form, "certificate"));
    const now = new Date();
    const r = await startRevocation(actorOf(me), {
      issuer: c.issuer.name,
      serial: c.serial,
      reason: str(form, "reason"),
      order: str(form, "order"),
      exclude: form.getAll("exclude").map((v) => serialFromDecimal(String(v), "exclude")),
      deadline: parseDeadline(str(form, "deadline"), now),
      now,
    });
    const notice = r.completed ? "started-completed" : r.order === "raise-first" ? "started-raised" : "started";
    // For renew-first the RN has not moved yet; the notice then names the RN to come (S+1).
    const alsoPending = await pendingMentions(r.issuer, r.id);
    next = dashboardUrl(r.issuer, { notice, serial: r.serial, rn: notice === "started" ? undefined : r.revocationNumber, alsoPending: alsoPending.length });
    if (r.tokens.length > 0) {
      return { status: "ok", data: { issuer: r.issuer, serial: r.serial.toString(), revocationNumber: r.revocationNumber.toString(), awaiting: r.awaiting.map(String), next, tokens: r.tokens.map((t) => ({ serial: t.serial.toString(), token: t.token })), alsoPending: alsoPending.map(mentionData) } };
    }
  } catch (err) {
    return formError(err, form);
  }
  redirect(next);
}
