import { notFound } from "next/navigation";
import Link from "next/link";
import { activeSessionCount, getUser } from "@/lib/auth";
import { Badge, Card, PageHeader } from "@/components/ui/Card";
import { requireUser } from "@/app/_lib/session";
import { EndSessionsForm, ResetLinkForm, RoleForm } from "./ManageUserForms";

export const metadata = { title: "User" };

export default async function UserPage({ params }: { params: Promise<{ id: string }> }) {
  const me = await requireUser("users:manage");
  const { id } = await params;
  const user = await getUser(id);
  if (!user) notFound();
  const active = await activeSessionCount(user.id);
  return (
    <>
      <p className="mb-2 text-sm"><Link href="/users" className="text-indigo-700 hover:underline">← Users</Link></p>
      <PageHeader
        title={user.email}
        subtitle={<>{user.name || "No display name"} · <Badge tone={user.role === "administrator" ? "indigo" : "slate"}>{user.role}</Badge> · created {user.createdAt.toISOString().slice(0, 10)} · {user.disabledAt ? <Badge tone="red">disabled</Badge> : <Badge tone="green">active</Badge>}</>}
      />
      <div className="grid grid-cols-1 gap-6 lg:grid-cols-3">
        <Card title="Role"><RoleForm userId={user.id} role={user.role} /></Card>
        {user.id === me.id ? (
          // Your own password needs the current one: that is on your account page.
          <Card title="Password and sessions" className="lg:col-span-2">
            <p className="text-sm text-slate-600">This is you. Change your password or sign out everywhere on <Link href="/users/me" className="text-indigo-700 hover:underline">your account page</Link>.</p>
          </Card>
        ) : (<>
        <Card title="Password">
          {user.disabledAt ? <p className="text-sm text-slate-600">The account is disabled: enable it before resetting its password.</p> : <ResetLinkForm userId={user.id} />}
        </Card>
        <Card title="Sessions"><EndSessionsForm userId={user.id} active={active} /></Card>
        </>)}
      </div>
    </>
  );
}
