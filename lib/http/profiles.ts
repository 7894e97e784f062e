import { z } from "zod";
import type { Actor } from "../auth/actor";
import { createProfile, listProfiles } from "../profiles/service";
import { json, readJson } from "./api";

/** The body is checked field by field by lib/profiles/input.ts; here only that it is an object. */
const ProfileBody = z.record(z.string(), z.unknown(), { error: "the body must be a JSON object" });

/** GET /api/v1/profiles: built-in and custom profiles with their KU, EKUs and maximum validity. */
export async function listProfilesJson(): Promise<Response> {
  return json({ profiles: await listProfiles() });
}

/** POST /api/v1/profiles: add a custom profile (administrators). */
export async function createProfileJson(actor: Actor, req: Request): Promise<Response> {
  return json(await createProfile(actor, await readJson(req, ProfileBody)), 201);
}
