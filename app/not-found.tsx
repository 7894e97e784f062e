import Link from "next/link";
import { AuthShell } from "@/components/AuthShell";

export const metadata = { title: "Page not found" };

/** Unknown addresses and missing objects (a deleted certificate, a mistyped link): say so, and lead back. */
export default function NotFound() {
  return (
    <AuthShell title="Page not found" subtitle="There is nothing at this address: the link may be mistyped, or what it pointed to no longer exists.">
      <div className="space-y-3 text-sm">
        <p className="text-slate-700">Where to go from here:</p>
        <ul className="space-y-2">
          <li><Link className="font-medium text-indigo-700 hover:underline" href="/">Back to the overview</Link></li>
          <li><Link className="font-medium text-indigo-700 hover:underline" href="/certificates">Search the certificates</Link></li>
          <li><Link className="font-medium text-indigo-700 hover:underline" href="/issuers">See the issuers</Link></li>
        </ul>
      </div>
    </AuthShell>
  );
}
