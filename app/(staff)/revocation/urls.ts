/**
 * The dashboard's notices travel as codes and numbers in the URL, never as text: a
 * link someone sends must not be able to put words in a banner CA staff trust.
 */
export const NOTICES = ["started", "started-raised", "started-completed", "completed", "forced", "excluded", "excluded-completed", "renewed", "renewed-completed"] as const;
export type Notice = (typeof NOTICES)[number];

export interface NoticeParams {
  notice: Notice;
  serial: bigint;
  rn?: bigint;
  replacement?: bigint;
  /** How many other revocations of the issuer were already pending when this one started. */
  alsoPending?: number;
}

export function dashboardUrl(issuer: string, n?: NoticeParams): string {
  const q = new URLSearchParams({ issuer });
  if (n) {
    q.set("notice", n.notice);
    q.set("serial", n.serial.toString());
    if (n.rn !== undefined) q.set("rn", n.rn.toString());
    if (n.replacement !== undefined) q.set("replacement", n.replacement.toString());
    if (n.alsoPending) q.set("also", String(n.alsoPending));
  }
  return `/revocation?${q.toString()}`;
}

const digits = (s: string | undefined) => (s && /^[0-9]{1,60}$/.test(s) ? s : null);

/** The banner for a notice, or null for a missing or tampered one. */
export function noticeText(sp: Record<string, string | undefined>): { kind: "success" | "warning"; text: string } | null {
  const notice = NOTICES.find((n) => n === sp.notice);
  const s = digits(sp.serial);
  if (!notice || !s) return null;
  // Completing the revocation of S moves the RN to S+1; the parameter only confirms it.
  const rn = digits(sp.rn) ?? String(BigInt(s) + 1n);
  const r = digits(sp.replacement);
  const also = digits(sp.also);
  const joined = also && also !== "0" ? ` ${also === "1" ? "Another revocation of this issuer is" : `${also} other revocations of this issuer are`} still pending (below).` : "";
  const t = noticeBody(notice, s, rn, r);
  return t && notice.startsWith("started") ? { ...t, text: t.text + joined } : t;
}

function noticeBody(notice: Notice, s: string, rn: string, r: string | null): { kind: "success" | "warning"; text: string } | null {
  switch (notice) {
    case "started":
      return { kind: "success", text: `Serial ${s} is revoked and on the CRL. Devices keep accepting it until the revocation number moves to ${rn}, once every affected holder has renewed (progress below).` };
    case "started-raised":
      return { kind: "warning", text: `Serial ${s} is revoked and the revocation number moved to ${rn} at once: devices reject it now, and reject every affected holder until it renews.` };
    case "started-completed":
      return { kind: "success", text: `Serial ${s} is revoked. Nobody had to renew, so the revocation number is now ${rn}.` };
    case "completed":
      return { kind: "success", text: `Revocation of serial ${s} completed: the revocation number is now ${rn} and published.` };
    case "forced":
      return { kind: "warning", text: `Revocation of serial ${s} completed by force: the revocation number is now ${rn}. Holders that had not renewed are rejected by devices until they do.` };
    case "excluded":
      return { kind: "success", text: `Serial ${s} excluded: no replacement is awaited for it any more.` };
    case "excluded-completed":
      return { kind: "success", text: `Serial ${s} excluded. It was the last one awaited, so the revocation completed and the revocation number moved.` };
    case "renewed":
      return { kind: "success", text: `Serial ${s} renewed by hand: the replacement is serial ${r ?? "?"}.` };
    case "renewed-completed":
      return { kind: "success", text: `Serial ${s} renewed by hand (replacement serial ${r ?? "?"}). It was the last one awaited, so the revocation completed and the revocation number moved.` };
  }
}
