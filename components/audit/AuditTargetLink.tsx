import Link from "next/link";
import type { AuditTarget } from "@/lib/audit/targets";
import { auditTargetHref } from "./targetHref";

const TYPE_WORD: Record<string, string> = { "api-token": "API token", "rotation-run": "rotation run", "master-key": "master key" };

/** "certificate #12 www.example.com", linked to its page; the raw id in the tooltip. */
export function AuditTargetLink({ target, manageUsers }: { target: AuditTarget; manageUsers: boolean }) {
  const href = auditTargetHref(target, { manageUsers });
  const name = target.name ?? (target.id.length > 14 ? `${target.id.slice(0, 12)}…` : target.id);
  const text = (
    <>
      <span className="text-slate-500">{TYPE_WORD[target.type] ?? target.type}</span> {name}
      {target.issuer && <span className="text-slate-500"> · {target.issuer}</span>}
      {target.gone && ["topology", "proxy"].includes(target.type) && <span className="text-slate-400"> (deleted)</span>}
    </>
  );
  const title = `${target.type}:${target.id}`;
  return href ? (
    <Link href={href} title={title} className="block truncate text-indigo-700 hover:underline" data-testid="audit-target-link">{text}</Link>
  ) : (
    <span title={title} className="block truncate">{text}</span>
  );
}
