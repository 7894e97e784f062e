import type { Actor } from "../auth/actor";
import { authenticateBearer } from "../auth/apiTokens";
import { can } from "../auth/roles";
import { checkEstSecret } from "./secrets";

/**
 * Who may `simpleenroll` (RFC 7030 §3.2.3, HTTP Basic), in this order:
 * - an API token (`rl_…`, docs/API.md) as the password, any user name: a device account
 *   with `certificates:write` (operator tokens); the token is the actor;
 * - user `est` with the issuer's enrolment secret (lib/est/secrets.ts); the actor is
 *   `device:est:{issuer}/{secret prefix}`.
 * Anything else is 401 with a challenge; a valid token without the permission is 403.
 */
export type EnrolmentAuth = { ok: true; actor: Actor } | { ok: false; status: 401 | 403; message: string };

const HOW = "HTTP Basic with user \"est\" and the issuer's enrolment secret, or an API token (rl_…) as the password";

function basicCredentials(header: string | null): { user: string; password: string } | null {
  const m = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header ?? "");
  if (!m) return null;
  const text = Buffer.from(m[1], "base64").toString("utf8");
  const colon = text.indexOf(":");
  return colon < 0 ? null : { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

export async function authenticateEnrolment(header: string | null, issuer: { id: string; name: string }): Promise<EnrolmentAuth> {
  const basic = basicCredentials(header);
  if (!basic) return { ok: false, status: 401, message: header ? `malformed Authorization header: expected ${HOW}` : `authentication required: ${HOW}` };
  if (basic.password.startsWith("rl_")) {
    const token = await authenticateBearer(`Bearer ${basic.password}`);
    if (!token.ok) return { ok: false, status: 401, message: token.message };
    if (!can(token.actor.role, "certificates:write")) return { ok: false, status: 403, message: `the API token "${token.actor.name}" (${token.actor.role}) may not issue certificates` };
    return { ok: true, actor: token.actor };
  }
  if (basic.user !== "est") return { ok: false, status: 401, message: `unknown user "${basic.user}": ${HOW}` };
  const secret = await checkEstSecret(issuer.id, basic.password);
  if (!secret) return { ok: false, status: 401, message: `wrong or revoked enrolment secret for "${issuer.name}"` };
  return { ok: true, actor: { kind: "device", name: `est:${issuer.name}/${secret.prefix}`, role: "operator" } };
}
