import { activeSessionCount } from "@/lib/auth";
import { Badge, Card, PageHeader } from "@/components/ui/Card";
import { Button } from "@/components/ui/Button";
import { requireUser } from "@/app/_lib/session";
import { ChangePasswordForm } from "./ChangePasswordForm";
import { signOutEverywhereAction } from "./actions";

export const metadata = { title: "Your account" };

/** Every signed-in user's own page, whatever the role (the Users list is for administrators). */
export default async function AccountPage() {
  const me = await requireUser();
  const active = await activeSessionCount(me.id);
  return (
    <>
      <PageHeader title="Your account" subtitle={<>{me.email} · <Badge tone={me.role === "administrator" ? "indigo" : "slate"}>{me.role}</Badge></>} />
      <div className="grid grid-cols-1 gap-6 lg:grid-cols-2">
        <Card title="Change password">
          <p className="mb-4 text-sm text-slate-600">Your other sessions end; this browser stays signed in.</p>
          <ChangePasswordForm email={me.email} />
        </Card>
        <Card title="Sessions">
          <form action={signOutEverywhereAction} className="space-y-4">
            <p className="text-sm text-slate-600">
              Active sessions: <span data-testid="active-sessions">{active}</span> (this browser included). Signing out everywhere ends every one of them, here too. Use it if you left a session open somewhere or lost a device.
            </p>
            <Button type="submit" variant="danger">Sign out everywhere</Button>
          </form>
        </Card>
      </div>
    </>
  );
}
