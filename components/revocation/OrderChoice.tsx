import type { AffectedRow } from "./AffectedTable";

export type Order = "renew-first" | "raise-first";

/**
 * The seed's two orders, with what each costs for this revocation: renew-first leaves
 * the revoked certificate accepted until the last replacement (the exposure window);
 * raise-first closes that window at once and cuts off every collateral server until it renews.
 * Each order's benefit is shown in green, its cost in the text: red would read as a danger.
 */
export function OrderChoice({ order, onChange, serial, newRn, collateral, awaited }: { order: Order; onChange: (o: Order) => void; serial: string; newRn: string; collateral: AffectedRow[]; awaited: number }) {
  const card = (o: Order) =>
    `block cursor-pointer rounded-lg border p-4 text-sm transition ${order === o ? "border-indigo-500 bg-indigo-50/50 ring-1 ring-indigo-500" : "border-slate-200 bg-white hover:border-slate-300"}`;
  return (
    <fieldset className="grid grid-cols-1 gap-4 md:grid-cols-2">
      <legend className="mb-2 text-sm font-medium text-slate-700">Order</legend>
      <label className={card("renew-first")}>
        <span className="flex items-center gap-2 font-semibold text-slate-900">
          <input type="radio" name="order" value="renew-first" checked={order === "renew-first"} onChange={() => onChange("renew-first")} className="h-4 w-4 text-indigo-600" />
          Renew first, then raise the RN
        </span>
        <span className="mt-1 block text-xs font-medium uppercase tracking-wide text-emerald-700" data-testid="order-benefit">No collateral outage</span>
        <span className="mt-2 block text-slate-700">
          Devices keep accepting serial <span className="font-mono">{serial}</span> until every replacement is issued — the <strong>exposure window</strong>: whoever holds its key can still pass as this server. The RN moves to <span className="font-mono">{newRn}</span> when the last of {awaited} holder{awaited === 1 ? "" : "s"} renews, at the deadline, or when you force it.
        </span>
      </label>
      <label className={card("raise-first")}>
        <span className="flex items-center gap-2 font-semibold text-slate-900">
          <input type="radio" name="order" value="raise-first" checked={order === "raise-first"} onChange={() => onChange("raise-first")} className="h-4 w-4 text-indigo-600" />
          Raise the RN first, then renew
        </span>
        <span className="mt-1 block text-xs font-medium uppercase tracking-wide text-emerald-700" data-testid="order-benefit">No exposure window</span>
        <span className="mt-2 block text-slate-700">
          The RN moves to <span className="font-mono">{newRn}</span> as soon as you confirm: devices reject serial <span className="font-mono">{serial}</span> at once.{" "}
          {collateral.length === 0 ? (
            <>No other server is affected, so raising first costs nothing here.</>
          ) : (
            <>
              But devices also reject <strong>{collateral.length} collateral server{collateral.length === 1 ? "" : "s"}</strong> until each renews:
              <span className="mt-1 block font-mono text-xs text-slate-600" data-testid="raise-first-collateral">{collateral.map((c) => `${c.subject || "—"} (${c.serial})`).join(", ")}</span>
            </>
          )}
        </span>
      </label>
    </fieldset>
  );
}
