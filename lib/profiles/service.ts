import { appendAudit } from "../audit";
import { type Actor } from "../auth/actor";
import { requirePermission } from "../auth/roles";
import { db } from "../db";
import { ConflictError, InputError, shown } from "../errors";
import { isBuiltInProfileName, parseProfile, PROFILE_NAMES, PROFILES, REQUESTABLE_PROFILE_NAMES, type Profile } from "../pki/profiles";
import { parseOrThrow } from "../validation";
import { CustomProfileInput, toProfile } from "./input";

type Row = { name: string; description: string; keyUsage: string; extKeyUsage: string; maxValidityDays: number; requiresSan: boolean; allowsSan: boolean };

const split = (s: string) => s.split(",").filter(Boolean);

/** A stored row passes the same validation as the form did: a hand-edited row is refused, not signed. */
function rowToProfile(r: Row): Profile {
  return toProfile(parseOrThrow(CustomProfileInput, { ...r, keyUsage: split(r.keyUsage), extKeyUsage: split(r.extKeyUsage) }, "profile"));
}

/** Adds a custom profile (administrators only). */
export async function createProfile(actor: Actor, input: Record<string, unknown>): Promise<Profile> {
  requirePermission(actor.role, "profiles:manage");
  const d = parseOrThrow(CustomProfileInput, input);
  return db().$transaction(async (tx) => {
    if (await tx.certificateProfile.findUnique({ where: { name: d.name }, select: { id: true } })) {
      throw new ConflictError("name", `a profile named "${d.name}" already exists`);
    }
    const row = await tx.certificateProfile.create({
      data: { name: d.name, description: d.description, keyUsage: d.keyUsage.join(","), extKeyUsage: d.extKeyUsage.join(","), maxValidityDays: d.maxValidityDays, requiresSan: d.requiresSan, allowsSan: d.allowsSan },
    });
    await appendAudit(tx, actor, {
      action: "profile.create",
      targetType: "profile",
      targetId: row.name,
      after: { name: d.name, description: d.description, keyUsage: d.keyUsage, extKeyUsage: d.extKeyUsage, maxValidityDays: d.maxValidityDays, requiresSan: d.requiresSan, allowsSan: d.allowsSan },
    });
    return toProfile(d);
  });
}

/** Every profile for display: built-in ones first (internal ones flagged), then the custom ones by name. */
export async function listProfiles(): Promise<Profile[]> {
  const rows = await db().certificateProfile.findMany({ orderBy: { name: "asc" } });
  return [...PROFILE_NAMES.map((n) => PROFILES[n]), ...rows.map(rowToProfile)];
}

/** What a request may name, for the issue form and error messages. */
export async function requestableProfiles(): Promise<Profile[]> {
  return (await listProfiles()).filter((p) => !p.internal);
}

/**
 * The one profile lookup: a built-in profile (internal ones only when `internal`), else a
 * custom one from the database. Built-in names never reach the database (custom names
 * cannot take them), so the hot path of the built-in profiles stays synchronous in effect.
 */
export async function resolveProfile(name: unknown, field = "profile", o: { internal?: boolean } = {}): Promise<Profile> {
  if (isBuiltInProfileName(name)) return parseProfile(name, field, o);
  const row = typeof name === "string" && name.length <= 40 ? await db().certificateProfile.findUnique({ where: { name } }) : null;
  if (row) return rowToProfile(row);
  const custom = await db().certificateProfile.findMany({ select: { name: true }, orderBy: { name: "asc" } });
  throw new InputError(field, `unknown profile ${shown(name)}; expected one of ${[...REQUESTABLE_PROFILE_NAMES, ...custom.map((c) => c.name)].join(", ")}`);
}
