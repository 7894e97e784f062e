import Link from "next/link";
import { AuthShell } from "@/components/AuthShell";

export const metadata = { title: "Not allowed" };

export default function Forbidden() {
  return (
    <AuthShell title="Not allowed" subtitle="Your role does not allow this page.">
      <Link className="text-sm font-medium text-indigo-700 hover:underline" href="/">
        Back to the overview
      </Link>
    </AuthShell>
  );
}
