import { redirect } from "next/navigation";
import { userCount } from "@/lib/auth";
import { AuthShell } from "@/components/AuthShell";
import { SetupForm } from "./SetupForm";

export const metadata = { title: "Set up" };
export const dynamic = "force-dynamic";

/** Only while no user exists; the action re-checks inside its transaction. */
export default async function SetupPage() {
  if ((await userCount()) > 0) redirect("/signin");
  return (
    <AuthShell title="Set up Rootline" subtitle="Create the first administrator. This page closes once an account exists.">
      <SetupForm />
    </AuthShell>
  );
}
