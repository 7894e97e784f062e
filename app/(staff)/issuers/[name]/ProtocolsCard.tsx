import { headers } from "next/headers";
import { listEabKeys } from "@/lib/acme/eab";
import { acmePolicyOf } from "@/lib/acme/policy";
import { acmeUrls } from "@/lib/acme/urls";
import { estSecretStatus } from "@/lib/est/secrets";
import { requestableProfiles } from "@/lib/profiles/service";
import { Badge, Card } from "@/components/ui/Card";
import { AcmePolicyForm } from "./AcmePolicyForm";
import { NewEabKeyForm } from "./NewEabKeyForm";
import { NewEstSecretForm } from "./NewEstSecretForm";
import { revokeEabKeyAction } from "./actions";
import { protocolBases } from "./protocolUrls";

const when = (d: Date) => d.toISOString().replace("T", " ").slice(0, 16);

function Url({ href, testId }: { href: string; testId?: string }) {
  return <code data-testid={testId} className="block break-all rounded bg-slate-50 px-2 py-1 font-mono text-xs text-slate-800">{href}</code>;
}

/** ACME, EST and OCSP for one issuer: where clients connect, and the ACME policy and keys. */
export async function ProtocolsCard({ issuer, canWrite }: { issuer: string; canWrite: boolean }) {
  const bases = protocolBases((await headers()).get("host"), { ROOTLINE_HTTPS_PORT: process.env.ROOTLINE_HTTPS_PORT, PORT: process.env.PORT });
  const [policy, keys, profiles, est] = await Promise.all([acmePolicyOf(issuer), listEabKeys(issuer), requestableProfiles(), estSecretStatus(issuer)]);
  const acmeBase = bases.https ?? bases.http;
  const directoryUrl = acmeUrls(acmeBase, issuer).directory;
  const estBase = `${bases.https ?? bases.http}/.well-known/est/${encodeURIComponent(issuer)}`;
  const activeKeys = keys.filter((k) => k.status !== "revoked");
  return (
    <Card title="Standard protocols" className="mt-6">
      <div className="space-y-8" data-testid="protocols">
        <section aria-labelledby="acme-h">
          <div className="mb-2 flex items-center gap-2">
            <h3 id="acme-h" className="text-sm font-semibold text-slate-800">ACME</h3>
            <Badge tone={policy.enabled ? "green" : "slate"}>{policy.enabled ? "on" : "off"}</Badge>
            <span className="text-xs text-slate-500">for certbot, lego and other ACME clients (RFC 8555, with renewal information)</span>
          </div>
          <p className="mb-1 text-xs text-slate-500">Directory URL{bases.https ? "" : " — plain HTTP: most ACME clients need HTTPS; start the server with ROOTLINE_HTTPS_PORT"}</p>
          <Url href={directoryUrl} testId="acme-directory-url" />
          <div className="mt-4 grid grid-cols-1 gap-8 xl:grid-cols-2">
            <div>
              <h4 className="mb-2 text-sm font-medium text-slate-700">Policy</h4>
              {canWrite ? (
                <AcmePolicyForm issuer={issuer} policy={policy} profiles={profiles.filter((p) => p.allowsSan).map((p) => ({ name: p.name, description: p.description }))} />
              ) : (
                <dl className="space-y-1 text-sm" data-testid="acme-policy">
                  <div><dt className="inline text-slate-500">Domain names: </dt><dd className="inline font-mono text-xs">{policy.allowDns.join(", ") || "none"}</dd></div>
                  <div><dt className="inline text-slate-500">IP ranges: </dt><dd className="inline font-mono text-xs">{policy.allowIp.join(", ") || "none"}</dd></div>
                  <div><dt className="inline text-slate-500">Profile: </dt><dd className="inline">{policy.profile ?? "server"}</dd></div>
                  <div><dt className="inline text-slate-500">Account binding key required: </dt><dd className="inline">{policy.requireEab ? "yes" : "no"}</dd></div>
                </dl>
              )}
            </div>
            <div>
              <h4 className="mb-1 text-sm font-medium text-slate-700">Account binding keys (EAB)</h4>
              <p className="mb-3 text-xs text-slate-500">
                One key per client; each binds a single ACME account.{policy.requireEab ? " Required by the policy." : " Not required by the policy: clients may also register without one."} Revoking a used key deactivates its account.
              </p>
              <table className="mb-4 min-w-full text-sm" data-testid="eab-keys">
                <thead>
                  <tr className="text-left text-xs uppercase tracking-wide text-slate-500"><th className="py-1 pr-3">Key identifier</th><th className="py-1 pr-3">Label</th><th className="py-1 pr-3">Created</th><th className="py-1 pr-3">Status</th><th /></tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {keys.length === 0 && <tr><td colSpan={5} className="py-2 text-xs text-slate-500">No keys yet.</td></tr>}
                  {keys.map((k) => (
                    <tr key={k.keyId}>
                      <td className="py-1.5 pr-3 font-mono text-xs">{k.keyId}</td>
                      <td className="py-1.5 pr-3">{k.label || "—"}</td>
                      <td className="py-1.5 pr-3 text-xs" title={k.createdBy}>{when(k.createdAt)}</td>
                      <td className="py-1.5 pr-3"><Badge tone={k.status === "revoked" ? "red" : k.status === "used" ? "indigo" : "green"}>{k.status === "used" ? "bound to an account" : k.status}</Badge></td>
                      <td className="py-1.5 text-right">
                        {canWrite && k.status !== "revoked" && (
                          <form action={revokeEabKeyAction}>
                            <input type="hidden" name="issuer" value={issuer} />
                            <input type="hidden" name="keyId" value={k.keyId} />
                            <button className="text-sm text-red-700 hover:underline" aria-label={`Revoke ${k.keyId}`}>Revoke</button>
                          </form>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {canWrite && <NewEabKeyForm issuer={issuer} directoryUrl={directoryUrl} />}
              {activeKeys.length > 0 && !policy.requireEab && <p className="mt-2 text-xs text-slate-500">Tip: tick “need an account binding key” in the policy so only key holders can register.</p>}
            </div>
          </div>
        </section>

        <div className="grid grid-cols-1 gap-8 xl:grid-cols-2">
          <section aria-labelledby="est-h">
            <h3 id="est-h" className="mb-1 text-sm font-semibold text-slate-800">EST</h3>
            <p className="mb-2 text-xs text-slate-500">Enrolment for devices (RFC 7030). First enrolment with HTTP Basic, user <code>est</code> and the enrolment secret; re-enrolment with the device&apos;s current certificate over mutual TLS{bases.https ? "" : " (needs the HTTPS listener: ROOTLINE_HTTPS_PORT)"}.</p>
            <ul className="space-y-1" data-testid="est-urls">
              {["cacerts", "simpleenroll", "simplereenroll"].map((op) => <li key={op}><Url href={`${estBase}/${op}`} /></li>)}
            </ul>
            <p className="mt-3 text-sm text-slate-700" data-testid="est-secret-status">
              {est ? <>Current enrolment secret <code className="font-mono text-xs">{est.prefix}…</code>, created {when(est.createdAt)}, {est.lastUsedAt ? `last used ${when(est.lastUsedAt)}` : "never used"}.</> : "No enrolment secret yet."}
            </p>
            {canWrite && <div className="mt-2"><NewEstSecretForm issuer={issuer} /></div>}
          </section>
          <section aria-labelledby="ocsp-h">
            <h3 id="ocsp-h" className="mb-1 text-sm font-semibold text-slate-800">OCSP</h3>
            <p className="mb-2 text-xs text-slate-500">Certificate status for TLS stacks (RFC 6960), over plain HTTP as usual: GET and POST.</p>
            <Url href={`${bases.http}/ocsp/${encodeURIComponent(issuer)}`} testId="ocsp-url" />
          </section>
        </div>
      </div>
    </Card>
  );
}
