import { Fragment } from "react";
import Link from "next/link";
import { notFound } from "next/navigation";
import { can } from "@/lib/auth";
import { NotFoundError } from "@/lib/errors";
import { rolesOf, type GenerationRole } from "@/lib/generations/list";
import { lineageView } from "@/lib/generations/view";
import { urlFor } from "@/lib/generations/template";
import { Alert, Badge, Card, PageHeader } from "@/components/ui/Card";
import { Table, Td, Th } from "@/components/ui/Table";
import { requireUser } from "@/app/_lib/session";
import { day, keyLabel, pairs, relative, utcTime } from "../format";
import { caInfoUrl, distributionKeyUrl } from "../urls";
import { BringForward } from "./BringForward";
import { MoveCell, NotMoved } from "./Moves";

/** The port the announced URLs name (the download server must listen there). */
const templatePort = (t: string) => new URL(urlFor(t, 2)).port || "443";

const ROLE_TONE: Record<GenerationRole, "green" | "indigo" | "slate" | "red"> = { current: "green", next: "indigo", expired: "slate", revoked: "red" };
const ROLE_HELP: Record<GenerationRole, string> = {
  current: "The CA devices and application servers use now.",
  next: "Created ahead of time: devices fetch its CA information and switch to it when the current one expires or is revoked.",
  expired: "Past its validity.",
  revoked: "Revoked: devices move on to the next generation.",
};

export default async function LineagePage({ params, searchParams }: { params: Promise<{ name: string }>; searchParams: Promise<Record<string, string | undefined>> }) {
  const me = await requireUser();
  const { name } = await params; // already percent-decoded by Next.js
  const q = await searchParams;
  const now = new Date();
  const v = await lineageView(name, now).catch((e) => (e instanceof NotFoundError ? notFound() : Promise.reject(e)));
  const roles = rolesOf(v.generations);
  const newest = v.generations.at(-1);
  const created = q.generation ? v.generations.find((g) => String(g.n) === q.generation) : undefined;
  const s = v.schedule;
  const writer = can(me.role, "issuers:write");
  // The download server for generation n+1 stays up until CA n's original expiry: the pairs it should serve now.
  const toServe = v.generations.filter((g) => g.n > 1).filter((g) => v.generations.find((p) => p.n === g.n - 1)!.notAfter > now);
  return (
    <>
      <PageHeader
        title={v.name}
        subtitle={<>Lineage of CA generations · {keyLabel(v.keyType)} CAs valid {v.caValidityDays.toLocaleString("en")} days · next generation {v.leadDays.toLocaleString("en")} days before expiry</>}
        actions={<Link className="text-sm font-medium text-indigo-700 hover:underline" href="/lineages">All lineages →</Link>}
      />
      <div className="mb-6 space-y-3" aria-live="polite">
        {q.created && newest && <Alert kind="success">Lineage created: generation 1 is the issuer <strong>{newest.issuer}</strong>, and CA information 1 is signed with the new distribution key.</Alert>}
        {created && <Alert kind="success">Generation {created.n} created (issuer <strong>{created.issuer}</strong>); CA information {created.n} is published and announces {created.nextUrl}.</Alert>}
      </div>

      <section className="mb-6" aria-labelledby="generations-heading">
        <h2 id="generations-heading" className="mb-2 text-sm font-semibold text-slate-800">Generations</h2>
        <Table>
          <thead>
            <tr><Th>Generation</Th><Th>Issuer</Th><Th>Valid (UTC)</Th><Th>State</Th><Th>Announced next URL</Th><Th>Next generation</Th><Th className="text-right">Valid certs</Th><Th>Servers</Th><Th>CA information</Th></tr>
          </thead>
          <tbody className="divide-y divide-slate-100" data-testid="generations">
            {v.generations.map((g) => {
              const role = roles.get(g.n)!;
              return (
                <tr key={g.n} data-testid={`generation-${g.n}`}>
                  <Td className="font-mono">{g.n}</Td>
                  <Td><Link className="font-medium text-indigo-700 hover:underline" href={`/issuers/${encodeURIComponent(g.issuer)}`}>{g.issuer}</Link></Td>
                  <Td className="text-xs">{day(g.notBefore)} –<br />{day(g.notAfter)}</Td>
                  <Td title={ROLE_HELP[role] + (g.revokedReason ? ` Reason: ${g.revokedReason}` : "")}>
                    <Badge tone={ROLE_TONE[role]}>{role}</Badge>
                    {g.revokedAt && <span className="ml-2 text-xs text-slate-500">{day(g.revokedAt)}</span>}
                  </Td>
                  <Td className="max-w-[12rem] truncate font-mono text-xs" title={g.nextUrl}>{g.nextUrl}</Td>
                  <Td>{g.nextExists ? <span className="text-emerald-700">exists</span> : <span className="text-slate-500">not yet</span>}</Td>
                  <Td className="text-right tabular-nums">{g.validCertificates.toLocaleString("en")}</Td>
                  <Td><MoveCell g={g} /></Td>
                  <Td className="text-xs">
                    <a className="text-indigo-700 hover:underline" href={caInfoUrl(v.name, g.n)}>JSON</a>
                    {" · "}
                    <a className="text-indigo-700 hover:underline" href={caInfoUrl(v.name, g.n, "der")}>DER</a>
                  </Td>
                </tr>
              );
            })}
          </tbody>
        </Table>
        <p className="mt-2 text-xs text-slate-500">CA information n is CA certificate n with the URL where CA information n+1 will appear, signed with the distribution key. Hover a state for what it means.</p>
        <NotMoved generations={v.generations} />
      </section>

      <div className="grid grid-cols-1 gap-6 xl:grid-cols-3">
        <Card title="Schedule" className="xl:col-span-2">
          {s ? (
            <div className="space-y-4" data-testid="schedule">
              <p className="text-sm text-slate-800">
                Generation <strong>{s.generation}</strong> (issuer {v.name}-{s.generation}){" "}
                {s.dueAt <= now ? <strong className="text-amber-800">is due now</strong> : <>will be created on <strong>{day(s.dueAt)}</strong> <span className="text-slate-500">({relative(s.dueAt, now)})</span></>}
              </p>
              <p className="text-sm text-slate-600" data-testid="schedule-why">
                {s.cause === "revoked"
                  ? <>Why: generation {s.generation - 1} was revoked on {day(s.dueAt)}, so the next one is created at once.</>
                  : <>Why: {v.leadDays.toLocaleString("en")} days (the lead time) before generation {s.generation - 1} expires on {day(newest!.notAfter)}.</>}
                {s.dueAt <= now && " The background job creates it on its next run."}
              </p>
              <p className="text-sm text-slate-600">Its CA information will appear at <span className="font-mono text-xs">{urlFor(v.downloadUrlTemplate, s.generation)}</span>, the URL generation {s.generation - 1} announces.</p>
              {writer && newest && (
                <div className="border-t border-slate-200 pt-4">
                  <p className="mb-3 text-sm text-slate-600">Bring it forward: create generation {s.generation} now and publish its CA information. Devices fetch it on their next poll; generation {newest.n} stays current until it expires or is revoked.</p>
                  <BringForward lineage={v.name} newest={newest.n} />
                </div>
              )}
            </div>
          ) : (
            <p className="text-sm text-slate-500">Nothing scheduled.</p>
          )}
        </Card>

        <Card title="Distribution key">
          <dl className="space-y-2 text-sm">
            <div className="flex justify-between"><dt className="text-slate-500">Key</dt><dd>{keyLabel(v.distributionKey.keyType)}</dd></div>
            <div className="flex justify-between gap-4"><dt className="shrink-0 text-slate-500">Key storage</dt><dd className="text-right" data-testid="lineage-key-storage">{v.keyStorage === "pkcs11" ? "hardware token (PKCS#11)" : "software (sealed)"}</dd></div>
            <div><dt className="text-slate-500">SHA-256 fingerprint (public key)</dt><dd className="mt-1 font-mono text-xs" data-testid="distribution-key-fingerprint">{pairs(v.distributionKey.sha256).map((p, i, all) => <Fragment key={i}>{p}{i < all.length - 1 && ":"}<wbr /></Fragment>)}</dd></div>
          </dl>
          <p className="mt-3 text-xs text-slate-500">Built into device firmware; signs CA information and nothing else. Compare the fingerprint with what the firmware holds.{v.keyStorage === "pkcs11" && " It and every generation's CA key are in the PKCS#11 token and never leave it."}</p>
          <p className="mt-3 text-sm">
            <a className="font-medium text-indigo-700 hover:underline" href={distributionKeyUrl(v.name)}>Public key (PEM)</a>
            {" · "}
            <a className="font-medium text-indigo-700 hover:underline" href={distributionKeyUrl(v.name, "der")}>DER</a>
          </p>
        </Card>
      </div>

      <Card title="Download server" className="mt-6">
        <div className="space-y-3 text-sm" data-testid="download-server">
          {v.downloadServer ? (
            <p>
              <Badge tone={v.downloadServer.running ? "green" : "amber"}>{v.downloadServer.running ? "running" : "not seen"}</Badge>{" "}
              at <span className="font-mono text-xs">{v.downloadServer.url}</span>, last report {utcTime(v.downloadServer.seenAt)}
              {!v.downloadServer.running && " — it reports every 30 seconds; check that it is still up."}
            </p>
          ) : (
            <p className="text-slate-600"><Badge tone="amber">not reported</Badge> No download server has reported for this lineage yet.</p>
          )}
          {toServe.length > 0 ? (
            <p className="text-slate-600">
              Its job: serve {toServe.map((g, i) => <span key={g.n}>{i > 0 && ", "}CA information {g.n} at <span className="font-mono text-xs">{urlFor(v.downloadUrlTemplate, g.n)}</span> with a certificate of CA {g.n - 1}</span>)}. Each download stays up until that CA&apos;s original expiry: even when the CA is revoked earlier, devices that hold only it still need the download.
            </p>
          ) : (
            <p className="text-slate-600">Nothing to serve yet: the first download is CA information 2, once generation 2 exists.</p>
          )}
          <p className="text-xs text-slate-500">
            Start it where the template points, with <code className="rounded bg-slate-100 px-1">rootline lineage serve-downloads --name {v.name} --port {templatePort(v.downloadUrlTemplate)}</code>, or with <code className="rounded bg-slate-100 px-1">ROOTLINE_DOWNLOADS_LINEAGE={v.name}</code> for <code className="rounded bg-slate-100 px-1">npm start</code>. Template: <span className="font-mono">{v.downloadUrlTemplate}</span>
          </p>
        </div>
      </Card>
    </>
  );
}
