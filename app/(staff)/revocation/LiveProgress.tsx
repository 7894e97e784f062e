"use client";
import { useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect } from "react";
import { RenewalProgress } from "@/components/revocation/ProgressBar";
import type { RevocationProgress } from "@/lib/revocation/progress";

/** While a revocation is pending, holders renew on their own (API, token, another operator). */
const POLL_MS = 3_000;

async function fetchProgress(issuer: string): Promise<RevocationProgress> {
  const r = await fetch(`/revocation/progress?issuer=${encodeURIComponent(issuer)}`, { cache: "no-store" });
  const body = await r.json().catch(() => null);
  if (!r.ok) throw new Error(body?.error ?? `the server answered ${r.status}`);
  return body as RevocationProgress;
}

const newer = (a: RevocationProgress | undefined, b: RevocationProgress) => (a && a.at > b.at ? a : b);

/**
 * The issuer's progress: the server's first paint, then whatever a poll brings that is
 * newer. Every caller on the page shares one query, so one request per interval.
 * A cached result older than the page (an earlier visit) never replaces what the server just rendered.
 */
function useRevocationProgress(initial: RevocationProgress) {
  const q = useQuery({
    queryKey: ["revocation-progress", initial.issuer],
    queryFn: () => fetchProgress(initial.issuer),
    initialData: initial,
    initialDataUpdatedAt: initial.at,
    refetchInterval: (query) => (newer(query.state.data, initial).pending.length > 0 ? POLL_MS : false),
    retry: false,
  });
  return { data: newer(q.data, initial), error: q.error, fetching: q.isFetching };
}

/** One pending revocation's bar and counts, kept current without a reload. */
export function LiveProgress({ initial, serial }: { initial: RevocationProgress; serial: string }) {
  const { data } = useRevocationProgress(initial);
  // Gone from the poll: it completed; the page refresh LiveStatus starts removes the card.
  const p = data.pending.find((x) => x.serial === serial) ?? initial.pending.find((x) => x.serial === serial);
  if (!p) return null;
  return (
    <div aria-live="polite">
      <RenewalProgress renewed={p.renewed} excluded={p.excluded} awaiting={p.awaiting} />
    </div>
  );
}

/**
 * Says that the dashboard updates by itself, and makes it so: when the poll sees a change
 * (a renewal, an exclusion, a completion, an RN move), the server components re-render in
 * place (router.refresh keeps open forms and scroll), so rows, buttons and the RN follow.
 */
export function LiveStatus({ initial }: { initial: RevocationProgress }) {
  const router = useRouter();
  const { data, error, fetching } = useRevocationProgress(initial);
  useEffect(() => {
    if (data.version !== initial.version && data.at > initial.at) router.refresh();
  }, [data.version, data.at, initial.version, initial.at, router]);
  if (initial.pending.length === 0) return null;
  return (
    <p className="flex items-center gap-2 text-xs text-slate-500" data-testid="live-status">
      {error ? (
        <span className="text-amber-800">Automatic updates paused ({error.message}). Reload the page to see the latest progress.</span>
      ) : (
        <>
          <span className={`inline-block h-2 w-2 rounded-full ${fetching ? "bg-emerald-500" : "bg-emerald-300"}`} aria-hidden />
          Progress updates by itself every few seconds as holders renew — no need to reload.
        </>
      )}
    </p>
  );
}
