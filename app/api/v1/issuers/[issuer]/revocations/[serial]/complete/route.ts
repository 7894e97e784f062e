import { z } from "zod";
import { completeRevocation } from "@/lib/revocation/prefix";
import { apiRoute, json, readJson } from "@/lib/http/api";
import { issuerParam, serialParam } from "@/lib/http/params";

export const dynamic = "force-dynamic";

const Body = z.object({ force: z.boolean({ error: "force must be true or false" }).default(false) });

/** Moves the RN for a pending revocation (409 while replacements are awaited, unless forced). */
export const POST = apiRoute("certificates:write", async (actor, req, { params }: { params: Promise<{ issuer: string; serial: string }> }) => {
  const { issuer, serial } = await params;
  const { force } = await readJson(req, Body);
  return json(await completeRevocation(actor, { issuer: issuerParam(issuer), serial: serialParam(serial), force }));
});
