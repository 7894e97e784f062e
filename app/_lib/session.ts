import "server-only";
import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { can, sessionUser, signInUrl, SESSION_COOKIE, type Permission, type PublicUser } from "@/lib/auth";
import { CLIENT_ADDRESS_HEADER, REQUEST_PATH_HEADER } from "@/lib/http/trustedHeaders";
import type { Actor } from "@/lib/auth/actor";

/** The signed-in user for this request (memoised per request), or null. */
export const currentUser = cache(async (): Promise<PublicUser | null> => {
  const token = (await cookies()).get(SESSION_COOKIE)?.value;
  return sessionUser(token);
});

/** Pages and server actions call this: layouts alone do not protect server actions. */
export async function requireUser(permission: Permission = "read"): Promise<PublicUser> {
  const user = await currentUser();
  // Back to the requested page after sign-in (server.ts tells Next which path that was).
  if (!user) redirect(signInUrl((await headers()).get(REQUEST_PATH_HEADER)));
  if (!can(user.role, permission)) redirect("/forbidden");
  return user;
}

export function actorOf(user: PublicUser): Actor & { userId: string } {
  return { kind: "user", name: user.email, role: user.role, userId: user.id };
}

/** The client's address as server.ts saw it (socket, or the trusted proxy's hop); never a client-chosen header. */
export async function clientIp(): Promise<string> {
  return (await headers()).get(CLIENT_ADDRESS_HEADER) ?? "unknown";
}
