/**
 * How far a prefix revocation is: every affected holder is either renewed, excluded
 * (stopped, nothing to wait for) or still awaited. The RN can move when none is awaited.
 */
export function RenewalProgress({ renewed, excluded, awaiting }: { renewed: number; excluded: number; awaiting: number }) {
  const total = renewed + excluded + awaiting;
  const settled = renewed + excluded;
  const pct = (n: number) => (total === 0 ? 0 : (n / total) * 100);
  return (
    <div data-testid="renewal-progress">
      <div className="mb-1.5 flex items-baseline justify-between text-sm">
        <span className="font-medium text-slate-800">
          {settled} of {total} settled
        </span>
        <span className="flex gap-3 text-xs text-slate-600">
          <Legend className="bg-emerald-500" label={`${renewed} renewed`} />
          <Legend className="bg-slate-400" label={`${excluded} excluded`} />
          <Legend className="bg-amber-400" label={`${awaiting} awaiting`} />
        </span>
      </div>
      <div
        role="progressbar"
        aria-label="Renewals settled"
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={settled}
        className="flex h-2.5 w-full overflow-hidden rounded-full bg-amber-100 ring-1 ring-inset ring-slate-200"
      >
        <div className="bg-emerald-500" style={{ width: `${pct(renewed)}%` }} />
        <div className="bg-slate-400" style={{ width: `${pct(excluded)}%` }} />
        <div className="bg-amber-400" style={{ width: `${pct(awaiting)}%` }} />
      </div>
    </div>
  );
}

function Legend({ className, label }: { className: string; label: string }) {
  return (
    <span className="inline-flex items-center gap-1.5">
      <span className={`inline-block h-2 w-2 rounded-full ${className}`} aria-hidden />
      {label}
    </span>
  );
}
