import { redirect } from "next/navigation";
import { safeNextPath, userCount } from "@/lib/auth";
import { AuthShell } from "@/components/AuthShell";
import { currentUser } from "@/app/_lib/session";
import { SignInForm } from "./SignInForm";

export const metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  if ((await userCount()) === 0) redirect("/setup");
  const { next } = await searchParams;
  if (await currentUser()) redirect(safeNextPath(next));
  return (
    <AuthShell title="Sign in to Rootline" subtitle="Certificate authority console">
      <SignInForm next={safeNextPath(next)} />
    </AuthShell>
  );
}
