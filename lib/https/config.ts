import { InputError } from "../errors";
import { parseSans } from "../pki/san";

/**
 * The app's HTTPS listener, from the environment:
 * - ROOTLINE_HTTPS_PORT: the port (0: any free one, for tests); unset: no HTTPS listener;
 * - ROOTLINE_HTTPS_ISSUER: the CA that issues its server certificate (required with the port);
 * - ROOTLINE_HTTPS_NAMES: the certificate's names, default `DNS:localhost,IP:127.0.0.1`;
 * - ROOTLINE_HTTPS_CHECK_SECONDS: how often the certificate is re-checked for renewal (60).
 */
export interface HttpsConfig {
  port: number;
  issuer: string;
  names: string[];
  checkMs: number;
}

export const DEFAULT_HTTPS_NAMES = ["DNS:localhost", "IP:127.0.0.1"];

export function httpsConfigFromEnv(env: NodeJS.ProcessEnv = process.env): HttpsConfig | null {
  const rawPort = env.ROOTLINE_HTTPS_PORT?.trim();
  if (!rawPort) return null;
  if (!/^\d{1,5}$/.test(rawPort) || Number(rawPort) > 65535) throw new InputError("ROOTLINE_HTTPS_PORT", `"${rawPort}" is not a TCP port (0–65535)`);
  const issuer = env.ROOTLINE_HTTPS_ISSUER?.trim();
  if (!issuer) throw new InputError("ROOTLINE_HTTPS_ISSUER", "ROOTLINE_HTTPS_PORT is set: name the issuer of the HTTPS server certificate in ROOTLINE_HTTPS_ISSUER");
  const names = env.ROOTLINE_HTTPS_NAMES?.split(",").map((s) => s.trim()).filter(Boolean) ?? [];
  if (names.length) parseSans(names, "ROOTLINE_HTTPS_NAMES"); // refuse a typo at start, naming the variable
  const check = Number(env.ROOTLINE_HTTPS_CHECK_SECONDS ?? "60");
  if (!Number.isFinite(check) || check <= 0) throw new InputError("ROOTLINE_HTTPS_CHECK_SECONDS", "must be a positive number of seconds");
  return { port: Number(rawPort), issuer, names: names.length ? names : DEFAULT_HTTPS_NAMES, checkMs: check * 1000 };
}
