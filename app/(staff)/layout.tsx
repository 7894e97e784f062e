import Link from "next/link";
import { can } from "@/lib/auth";
import { Nav, type NavItem } from "@/components/Nav";
import { requireUser } from "../_lib/session";
import { signOutAction } from "../(auth)/actions";

export const dynamic = "force-dynamic";

export default async function StaffLayout({ children }: { children: React.ReactNode }) {
  const user = await requireUser();
  const items: NavItem[] = [
    { href: "/", label: "Overview" },
    { href: "/issuers", label: "Issuers" },
    { href: "/lineages", label: "CA generations" },
    { href: "/certificates", label: "Certificates" },
    { href: "/profiles", label: "Profiles" },
    { href: "/revocation", label: "Revocation" },
    { href: "/topologies", label: "Topologies" },
    { href: "/proxies", label: "Proxies" },
  ];
  if (can(user.role, "audit:read")) items.push({ href: "/audit", label: "Audit log" });
  if (can(user.role, "users:manage")) items.push({ href: "/users", label: "Users" }, { href: "/tokens", label: "API tokens" });
  return (
    <div className="flex min-h-screen">
      <aside className="flex w-56 shrink-0 flex-col bg-slate-900 px-3 py-4">
        <div className="mb-6 flex items-center gap-2 px-2">
          <div className="flex h-8 w-8 items-center justify-center rounded-lg bg-indigo-500 font-bold text-white">R</div>
          <span className="text-lg font-semibold text-white">Rootline</span>
        </div>
        <Nav items={items} />
        <div className="mt-auto border-t border-slate-800 px-2 pt-4">
          <Link href="/users/me" title="Your account: password and sessions" className="block truncate text-sm text-slate-200 hover:text-white hover:underline" data-testid="signed-in-user">{user.email}</Link>
          <p className="text-xs capitalize text-slate-400">{user.role}</p>
          <form action={signOutAction}>
            <button type="submit" className="mt-2 text-sm text-slate-300 hover:text-white">
              Sign out
            </button>
          </form>
        </div>
      </aside>
      <main className="min-w-0 flex-1 px-8 py-8">{children}</main>
    </div>
  );
}
