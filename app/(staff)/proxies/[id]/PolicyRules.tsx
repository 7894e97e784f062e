import type { Policy, PolicyRule } from "@/lib/proxy/policy";

const ANSWER = { allow: "Answer for", deny: "Cut off" } as const;

/** One rule in words: who (certificate subject/SAN, source address), on which route. */
function ruleText(r: PolicyRule) {
  return (
    <>
      <span className={`font-semibold ${r.answer === "deny" ? "text-red-700" : "text-emerald-700"}`}>{ANSWER[r.answer]}</span>{" "}
      {r.subject ? <>clients whose certificate names <code className="rounded bg-slate-100 px-1 font-mono text-xs">{r.subject}</code></> : r.source ? "clients" : "every client"}
      {r.source && <> connecting from <code className="rounded bg-slate-100 px-1 font-mono text-xs">{r.source}</code></>}
      {r.route ? <> on route <code className="rounded bg-slate-100 px-1 font-mono text-xs">{r.route}</code></> : " on any route"}
    </>
  );
}

/** The saved policy as the proxy applies it: first matching rule wins, else the default. */
export function PolicyRules({ policy }: { policy: Policy }) {
  return (
    <ol className="space-y-1.5 text-sm text-slate-800" data-testid="policy-rules">
      {policy.rules.map((r, i) => (
        <li key={i} className="flex gap-2">
          <span className="w-6 shrink-0 text-right tabular-nums text-slate-400">{i + 1}.</span>
          <span>{ruleText(r)}</span>
        </li>
      ))}
      <li className="flex gap-2">
        <span className="w-6 shrink-0" />
        <span>
          {policy.rules.length ? "Otherwise: " : "Every connection: "}
          <span className={`font-semibold ${policy.default === "deny" ? "text-red-700" : "text-emerald-700"}`}>{policy.default === "deny" ? "cut off" : "answer for the client"}</span>
        </span>
      </li>
    </ol>
  );
}
