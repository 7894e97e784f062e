import "server-only";
import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { can, sessionUser, SESSION_COOKIE, type Permission, type PublicUser } from "@/lib/auth";
import type { Actor } from "@/lib/audit";

/** The signed-in user for this request (memoised per request), or null. */
export const currentUser = cache(async (): Promise<PublicUser | null> => {
  const token = (await cookies()).get(SESSION_COOKIE)?.value;
  return sessionUser(token);
});

/** Pages and server actions call this: layouts alone do not protect server actions. */
export async function requireUser(permission: Permission = "read"): Promise<PublicUser> {
  const user = await currentUser();
  if (!user) redirect("/signin");
  if (!can(user.role, permission)) redirect("/forbidden");
  return user;
}

export function actorOf(user: PublicUser): Actor & { userId: string } {
  return { kind: "user", name: user.email, role: user.role, userId: user.id };
}

export async function clientIp(): Promise<string> {
  const h = await headers();
  // Behind a reverse proxy the operator sets ROOTLINE_TRUST_PROXY=1; otherwise the header is not trusted.
  if (process.env.ROOTLINE_TRUST_PROXY === "1") {
    const fwd = h.get("x-forwarded-for")?.split(",")[0]?.trim();
    if (fwd) return fwd;
  }
  return h.get("x-real-ip") ?? "local";
}
