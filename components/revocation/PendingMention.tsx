import Link from "next/link";
import type { PendingMention } from "@/lib/revocation/history";
import { actorWord, orderWord } from "@/lib/revocation/words";
import { count } from "@/lib/plural";

/** A pending revocation as a client component receives it (strings only). */
export interface PendingMentionData {
  id: string;
  serial: string;
  order: string;
  createdBy: string;
  opened: string;
  awaiting: number;
}

export const mentionData = (m: PendingMention): PendingMentionData => ({
  id: m.id,
  serial: m.serial.toString(),
  order: orderWord(m.order),
  createdBy: actorWord(m.createdBy),
  opened: m.createdAt.toISOString().slice(0, 10),
  awaiting: m.awaiting,
});

/**
 * "The revocation of serial 3 is already pending": shown on the revoke form, its
 * confirmation and its result, so a second revocation of an issuer is made knowingly.
 * `serial` is the one being revoked: one at or above a pending serial completes it too.
 */
export function PendingMentionList({ pending, serial, issuer, done = false }: { pending: PendingMentionData[]; serial: string; issuer: string; done?: boolean }) {
  if (pending.length === 0) return null;
  const n = BigInt(serial);
  return (
    <div className="rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900" role="note" data-testid="pending-mention">
      <p className="font-semibold">
        {pending.length === 1 ? "Another revocation of " : `${pending.length} other revocations of `}
        {issuer} {done ? (pending.length === 1 ? "is still pending" : "are still pending") : pending.length === 1 ? "is already pending" : "are already pending"}:
      </p>
      <ul className="mt-1 list-disc space-y-0.5 pl-5">
        {pending.map((p) => (
          <li key={p.id}>
            <Link className="font-medium underline" href={`/revocation/${p.id}`}>serial <span className="font-mono">{p.serial}</span></Link> ({p.order}), opened {p.opened} by {p.createdBy}, {count(p.awaiting, "holder")} awaited
            {BigInt(p.serial) <= n ? <> — completing serial <span className="font-mono">{serial}</span> completes it too</> : null}.
          </li>
        ))}
      </ul>
      <p className="mt-1">Holders it already asks to renew are not asked twice.</p>
    </div>
  );
}
