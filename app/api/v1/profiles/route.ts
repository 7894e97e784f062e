import { apiRoute } from "@/lib/http/api";
import { createProfileJson, listProfilesJson } from "@/lib/http/profiles";

export const dynamic = "force-dynamic";

export const GET = apiRoute("read", listProfilesJson);
export const POST = apiRoute("profiles:manage", createProfileJson);
