import Link from "next/link";
import { resetLinkState } from "@/lib/auth";
import { AuthShell } from "@/components/AuthShell";
import { Alert } from "@/components/ui/Card";
import { ResetPasswordForm } from "./ResetPasswordForm";

export const metadata = { title: "Set a new password", referrer: "no-referrer" };
export const dynamic = "force-dynamic";

/** Reached from a one-time link an administrator made; looking at it does not use it up. */
export default async function ResetPasswordPage({ searchParams }: { searchParams: Promise<{ token?: string }> }) {
  const { token = "" } = await searchParams;
  const state = await resetLinkState(token);
  return (
    <AuthShell title="Set a new password" subtitle={state.ok ? `for ${state.email}` : undefined}>
      {state.ok ? (
        <ResetPasswordForm token={token} email={state.email} />
      ) : (
        <div className="space-y-4">
          <Alert>{state.message}</Alert>
          <Link href="/signin" className="text-sm font-semibold text-indigo-700 hover:underline">Back to sign-in</Link>
        </div>
      )}
    </AuthShell>
  );
}
