import Link from "next/link";
import { can } from "@/lib/auth";
import { listCertificates, SORTS, STATUSES } from "@/lib/certificates";
import { listIssuers } from "@/lib/issuers/service";
import { InputError } from "@/lib/errors";
import { ButtonLink } from "@/components/ui/Button";
import { Alert, PageHeader } from "@/components/ui/Card";
import { EmptyRow, Table, Td, Th } from "@/components/ui/Table";
import { CertificateStatus } from "@/components/CertificateStatus";
import { requireUser } from "@/app/_lib/session";

export const metadata = { title: "Certificates" };

type SP = Record<string, string | undefined>;

export default async function CertificatesPage({ searchParams }: { searchParams: Promise<SP> }) {
  const me = await requireUser();
  const sp = await searchParams;
  const issuers = (await listIssuers()).map((i) => i.name);
  const filter = {
    q: sp.q || undefined,
    issuer: sp.issuer || undefined,
    status: sp.status || undefined,
    expiringWithinDays: sp.expiring || undefined,
    sort: sp.sort || undefined,
    dir: sp.dir || undefined,
    page: sp.page || undefined,
  };
  let result: Awaited<ReturnType<typeof listCertificates>> | null = null;
  let error: string | null = null;
  try {
    result = await listCertificates(filter);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    error = `${e.field}: ${e.message}`;
  }
  const filtered = Boolean(filter.q || filter.issuer || filter.status || filter.expiringWithinDays);
  const link = (over: SP) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...sp, ...over })) if (v) q.set(k, v);
    return `/certificates?${q.toString()}`;
  };
  const sortHeader = (key: (typeof SORTS)[number], label: string) => {
    const active = (result?.filter.sort ?? "serial") === key;
    const dir = active && result?.filter.dir === "desc" ? "asc" : "desc";
    return (
      <Link href={link({ sort: key, dir, page: undefined })} className="hover:text-slate-900">
        {label} {active ? (result?.filter.dir === "desc" ? "↓" : "↑") : ""}
      </Link>
    );
  };
  return (
    <>
      <PageHeader title="Certificates" subtitle={result ? `${result.total.toLocaleString("en")} matching` : undefined} actions={can(me.role, "certificates:write") && <ButtonLink href="/certificates/issue">Issue certificate</ButtonLink>} />
      <form className="mb-4 flex flex-wrap items-end gap-3 text-sm" role="search">
        <label className="flex flex-col gap-1">Search
          <input name="q" defaultValue={sp.q ?? ""} placeholder="subject, SAN or serial" className="w-64 rounded-md border border-slate-300 px-2 py-1.5" />
        </label>
        <label className="flex flex-col gap-1">Issuer
          <select name="issuer" defaultValue={sp.issuer ?? ""} className="rounded-md border border-slate-300 px-2 py-1.5">
            <option value="">all</option>
            {issuers.map((n) => <option key={n}>{n}</option>)}
          </select>
        </label>
        <label className="flex flex-col gap-1">Status
          <select name="status" defaultValue={sp.status ?? ""} className="rounded-md border border-slate-300 px-2 py-1.5">
            <option value="">any</option>
            {STATUSES.map((s) => <option key={s}>{s}</option>)}
          </select>
        </label>
        <label className="flex flex-col gap-1">Expiring within (days)
          <input name="expiring" type="number" min={0} defaultValue={sp.expiring ?? ""} className="w-28 rounded-md border border-slate-300 px-2 py-1.5" />
        </label>
        <button className="rounded-md bg-slate-800 px-3 py-1.5 font-medium text-white">Apply</button>
        <Link href="/certificates" className="py-1.5 text-slate-600 hover:underline">Reset</Link>
      </form>
      {error && <div className="mb-4"><Alert>{error}</Alert></div>}
      <Table>
        <thead>
          <tr><Th>{sortHeader("serial", "Serial")}</Th><Th>{sortHeader("commonName", "Common name")}</Th><Th>Subject</Th><Th>SANs</Th><Th>Issuer</Th><Th>Profile</Th><Th>{sortHeader("notAfter", "Expires")}</Th><Th>Status</Th></tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {result && result.rows.length === 0 && (
            <EmptyRow cols={8}>
              {filtered ? (
                <>No certificates match these filters. <Link href="/certificates" className="font-medium text-indigo-700 hover:underline">Show all certificates</Link></>
              ) : (
                <>
                  <span className="block font-medium text-slate-700">No certificates yet.</span>
                  {can(me.role, "certificates:write") && (issuers.length > 0
                    ? <Link href="/certificates/issue" className="mt-1 inline-block font-medium text-indigo-700 hover:underline">Issue the first certificate</Link>
                    : <span className="mt-1 block">Certificates come from an issuer: <Link href="/issuers/new" className="font-medium text-indigo-700 hover:underline">create your first issuer</Link>, then issue one.</span>)}
                </>
              )}
            </EmptyRow>
          )}
          {result?.rows.map((c) => (
            <tr key={c.id} className="hover:bg-slate-50">
              <Td className="font-mono"><Link className="text-indigo-700 hover:underline" href={`/certificates/${c.id}`}>{c.serial.toString()}</Link></Td>
              <Td className="max-w-[14rem] truncate font-medium text-slate-900" title={c.commonName}>{c.commonName || <span className="text-slate-400">—</span>}</Td>
              <Td className="max-w-xs truncate text-slate-600" title={c.subject}>{c.subject}</Td>
              <Td className="max-w-xs truncate text-slate-600" title={c.sans}>{c.sans}</Td>
              <Td>{c.issuerName}</Td>
              <Td>{c.profile}</Td>
              <Td>{c.notAfter.toISOString().slice(0, 10)}</Td>
              <Td><CertificateStatus status={c.status} notAfter={c.notAfter} revocationReason={c.revocationReason} awaitingRenewal={c.awaitingRenewal} replaced={c.replaced} /></Td>
            </tr>
          ))}
        </tbody>
      </Table>
      {result && result.pages > 1 && (
        <nav className="mt-4 flex items-center justify-between text-sm" aria-label="Pagination">
          <span className="text-slate-600">Page {result.page} of {result.pages.toLocaleString("en")}</span>
          <span className="flex gap-3">
            {result.page > 1 && <Link className="text-indigo-700 hover:underline" href={link({ page: String(result.page - 1) })}>← Previous</Link>}
            {result.page < result.pages && <Link className="text-indigo-700 hover:underline" href={link({ page: String(result.page + 1) })}>Next →</Link>}
          </span>
        </nav>
      )}
    </>
  );
}
