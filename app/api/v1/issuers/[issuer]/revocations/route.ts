import { z } from "zod";
import { parseDeadline } from "@/lib/revocation/deadline";
import { startRevocation } from "@/lib/revocation/prefix";
import { revocationStatus } from "@/lib/revocation/status";
import { serialFromDecimal } from "@/lib/pki/fingerprint";
import { apiRoute, json, readJson } from "@/lib/http/api";
import { issuerParam } from "@/lib/http/params";

export const dynamic = "force-dynamic";

type Ctx = { params: Promise<{ issuer: string }> };
const serialString = (field: string) => z.union([z.string(), z.number().int()], { error: `${field} must be a decimal serial` }).transform((v) => serialFromDecimal(String(v), field));

const Body = z.object({
  serial: serialString("serial"),
  reason: z.string({ error: "reason is required (an RFC 5280 reason name)" }),
  order: z.enum(["renew-first", "raise-first"], { error: "order must be renew-first or raise-first" }),
  exclude: z.array(serialString("exclude"), { error: "exclude must be an array of serials" }).max(10_000).optional(),
  // Its bounds are lib/revocation/deadline.ts's, shared with the form and the CLI.
  deadlineDays: z.number({ error: "deadlineDays must be a number" }).optional(),
});

/** The issuer's RN and pending prefix revocations (the CLI's `revocation status --json`). */
export const GET = apiRoute("read", async (_actor, _req, { params }: Ctx) => {
  const { issuer } = await params;
  return json(await revocationStatus(issuerParam(issuer)));
});

/** Revoke serial S as a prefix. The response carries the one-time renewal tokens. */
export const POST = apiRoute("certificates:write", async (actor, req, { params }: Ctx) => {
  const { issuer } = await params;
  const b = await readJson(req, Body);
  const r = await startRevocation(actor, {
    issuer: issuerParam(issuer),
    serial: b.serial,
    reason: b.reason,
    order: b.order,
    exclude: b.exclude,
    deadline: parseDeadline(b.deadlineDays, new Date(), "deadlineDays"),
  });
  return json(r, 201);
});
