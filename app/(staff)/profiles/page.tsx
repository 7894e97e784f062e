import { can } from "@/lib/auth";
import { listProfiles } from "@/lib/profiles/service";
import { CUSTOM_EXT_KEY_USAGES, CUSTOM_KEY_USAGES } from "@/lib/profiles/input";
import type { Profile } from "@/lib/pki/profiles";
import { Badge, Card, PageHeader } from "@/components/ui/Card";
import { Table, Td, Th } from "@/components/ui/Table";
import { requireUser } from "@/app/_lib/session";
import { ProfileForm } from "./ProfileForm";

export const metadata = { title: "Profiles" };

/** One list when both key families get the same usages, else each family's on its own line. */
function KeyUsage({ p }: { p: Profile }) {
  const ec = p.keyUsage.ec.join(", ");
  const rsa = p.keyUsage.rsa.join(", ");
  if (ec === rsa) return <>{ec}</>;
  return <><div><span className="font-sans text-slate-500">EC keys: </span>{ec || "—"}</div><div><span className="font-sans text-slate-500">RSA keys: </span>{rsa || "—"}</div></>;
}

export default async function ProfilesPage() {
  const me = await requireUser();
  const profiles = await listProfiles();
  return (
    <>
      <PageHeader title="Certificate profiles" subtitle="What each profile puts in a certificate. A certificate's validity is at most the profile's maximum and the issuer's certificate validity, and never past the CA's own expiry." />
      <div className="space-y-6">
        <Table>
          <thead>
            <tr><Th>Profile</Th><Th>Key usage</Th><Th>Extended key usage</Th><Th>Max validity</Th><Th>SANs</Th></tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {profiles.map((p) => (
              <tr key={p.name} data-profile={p.name}>
                <Td className="max-w-sm">
                  <div className="flex items-center gap-2"><span className="font-mono font-medium">{p.name}</span>{p.internal ? <Badge>internal</Badge> : p.custom ? <Badge tone="indigo">custom</Badge> : <Badge tone="green">built-in</Badge>}</div>
                  <div className="whitespace-normal text-xs text-slate-500">{p.description}{p.internal && " — issued by Rootline itself only"}</div>
                </Td>
                <Td className="whitespace-normal font-mono text-xs"><KeyUsage p={p} /></Td>
                <Td className="whitespace-normal font-mono text-xs">{p.extKeyUsage.join(", ") || "—"}{p.isCa && <span className="font-sans"> (CA certificate)</span>}</Td>
                <Td>{p.maxValidityDays ? `${p.maxValidityDays} days` : <span className="text-slate-500">issuer&apos;s</span>}</Td>
                <Td>{p.requiresSan ? "required" : p.allowsSan ? "allowed" : "none"}</Td>
              </tr>
            ))}
          </tbody>
        </Table>
        {can(me.role, "profiles:manage") && (
          <Card title="Add a profile">
            <ProfileForm keyUsages={CUSTOM_KEY_USAGES} extKeyUsages={CUSTOM_EXT_KEY_USAGES} />
          </Card>
        )}
      </div>
    </>
  );
}
