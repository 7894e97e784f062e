import Link from "next/link";
import { overviewStats, recentAuditEvents } from "@/lib/overview";
import { can } from "@/lib/auth";
import { Card, PageHeader } from "@/components/ui/Card";
import { ButtonLink } from "@/components/ui/Button";
import { requireUser } from "../_lib/session";

export const metadata = { title: "Overview" };

function Stat({ label, value, href }: { label: string; value: number; href: string }) {
  return (
    <Link href={href} className="rounded-lg border border-slate-200 bg-white p-5 shadow-sm hover:border-indigo-300">
      <p className="text-sm text-slate-600">{label}</p>
      <p className="mt-1 text-3xl font-semibold tabular-nums text-slate-900">{value.toLocaleString("en")}</p>
    </Link>
  );
}

/** A new installation has nothing to show yet: say what comes first, and lead there. */
function FirstSteps({ canCreate }: { canCreate: boolean }) {
  return (
    <section aria-labelledby="first-steps" className="mb-6 rounded-lg border border-indigo-200 bg-indigo-50/60 p-5" data-testid="first-steps">
      <h2 id="first-steps" className="text-base font-semibold text-slate-900">Start by creating your first issuer</h2>
      <p className="mt-1 max-w-3xl text-sm text-slate-700">
        Every certificate comes from an issuer, a certificate authority that Rootline holds the key of. Create a new root CA here, or import one you already have; then issue certificates from it and publish its revocation information to your devices.
      </p>
      {canCreate ? (
        <div className="mt-4 flex flex-wrap gap-2">
          <ButtonLink href="/issuers/new">Create your first issuer</ButtonLink>
          <ButtonLink variant="secondary" href="/issuers/import">Import an existing CA</ButtonLink>
        </div>
      ) : (
        <p className="mt-3 text-sm text-slate-700">Your role cannot create issuers: ask an administrator to create the first one.</p>
      )}
    </section>
  );
}

export default async function OverviewPage() {
  const user = await requireUser();
  const s = await overviewStats();
  const events = can(user.role, "audit:read") ? await recentAuditEvents() : [];
  return (
    <>
      <PageHeader title="Overview" subtitle={`Signed in as ${user.email} (${user.role})`} />
      {s.issuers === 0 && <FirstSteps canCreate={can(user.role, "issuers:write")} />}
      <div className="grid grid-cols-2 gap-4 lg:grid-cols-3">
        <Stat label="Issuers" value={s.issuers} href="/issuers" />
        <Stat label="Valid certificates" value={s.valid} href="/certificates?status=valid" />
        <Stat label="Expiring within 30 days" value={s.expiringSoon} href="/certificates?status=valid&expiring=30" />
        <Stat label="Revoked certificates" value={s.revoked} href="/certificates?status=revoked" />
        <Stat label="Pending prefix revocations" value={s.pendingRevocations} href="/revocation" />
        <Stat label="Topologies" value={s.topologies} href="/topologies" />
      </div>
      {events.length > 0 && (
        <Card title="Recent changes" className="mt-6" actions={<Link href="/audit" className="text-sm text-indigo-700 hover:underline">Audit log</Link>}>
          <ul className="divide-y divide-slate-100 text-sm">
            {events.map((e) => (
              <li key={e.seq} className="flex justify-between py-2">
                <span>
                  <span className="font-mono text-xs text-slate-500">#{e.seq}</span> <span className="font-medium">{e.action}</span> {e.targetType} <span className="text-slate-500">by {e.actor}</span>
                </span>
                <time className="text-slate-500">{e.at.toISOString().replace("T", " ").slice(0, 19)} UTC</time>
              </li>
            ))}
          </ul>
        </Card>
      )}
    </>
  );
}
