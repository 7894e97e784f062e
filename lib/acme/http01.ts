import { lookup } from "node:dns/promises";
import http from "node:http";
import { isIP } from "node:net";
import { AcmeProblem } from "./problem";

/**
 * The http-01 fetch (RFC 8555 8.3): GET http://{identifier}:{port}/.well-known/acme-challenge/{token},
 * expecting the key authorization. The port is ROOTLINE_ACME_HTTP01_PORT (default 80);
 * ROOTLINE_ACME_HOSTS="name=127.0.0.1,…" overrides name resolution, as pebble's does.
 * Redirects are refused (not followed at all), the body is capped, and the whole exchange
 * has a deadline.
 */
export const HTTP01_TIMEOUT_MS = 10_000;
const MAX_BODY = 8 * 1024;

export function http01Port(env = process.env): number {
  const p = Number(env.ROOTLINE_ACME_HTTP01_PORT ?? "80");
  return Number.isInteger(p) && p > 0 && p < 65536 ? p : 80;
}

/** ROOTLINE_ACME_HOSTS as a map; malformed entries are ignored. */
export function hostOverrides(env = process.env): Map<string, string> {
  const m = new Map<string, string>();
  for (const entry of (env.ROOTLINE_ACME_HOSTS ?? "").split(",")) {
    const [name, addr] = entry.split("=").map((s) => s?.trim());
    if (name && addr && isIP(addr)) m.set(name.toLowerCase(), addr);
  }
  return m;
}

async function addressOf(identifier: { type: string; value: string }): Promise<string> {
  if (identifier.type === "ip") return identifier.value;
  const override = hostOverrides().get(identifier.value);
  if (override) return override;
  try {
    return (await lookup(identifier.value)).address;
  } catch (e) {
    throw new AcmeProblem("dns", `no address for ${identifier.value} (${(e as NodeJS.ErrnoException).code ?? "lookup failed"})`);
  }
}

/** Fetches the key authorization the identifier's server publishes for `token`; throws the ACME problem when it fails. */
export async function fetchKeyAuthorization(identifier: { type: string; value: string }, token: string, timeoutMs = HTTP01_TIMEOUT_MS): Promise<string> {
  const address = await addressOf(identifier);
  const port = http01Port();
  const host = identifier.type === "ip" && isIP(identifier.value) === 6 ? `[${identifier.value}]` : identifier.value;
  const url = `http://${host}${port === 80 ? "" : `:${port}`}/.well-known/acme-challenge/${token}`;
  return new Promise<string>((resolve, reject) => {
    const req = http.request({ host: address, port, path: `/.well-known/acme-challenge/${token}`, method: "GET", headers: { Host: port === 80 ? host : `${host}:${port}`, "User-Agent": "Rootline ACME validator", Accept: "*/*", Connection: "close" }, agent: false, timeout: timeoutMs });
    const timer = setTimeout(() => req.destroy(new AcmeProblem("connection", `${url}: no complete answer within ${timeoutMs / 1000} s`)), timeoutMs);
    const fail = (e: unknown) => {
      clearTimeout(timer);
      reject(e instanceof AcmeProblem ? e : new AcmeProblem("connection", `${url}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`));
    };
    req.on("timeout", () => req.destroy(new AcmeProblem("connection", `${url}: timed out`)));
    req.on("error", fail);
    req.on("response", (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400) {
        res.resume();
        return fail(new AcmeProblem("unauthorized", `${url} redirected (${status}); this validator does not follow redirects`, 403));
      }
      if (status !== 200) {
        res.resume();
        return fail(new AcmeProblem("unauthorized", `${url} answered ${status}, not the key authorization`, 403));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) return req.destroy(new AcmeProblem("incorrectResponse", `${url} answered more than ${MAX_BODY} bytes`));
        chunks.push(c);
      });
      res.on("error", fail);
      res.on("end", () => {
        clearTimeout(timer);
        resolve(Buffer.concat(chunks).toString("utf8"));
      });
    });
    req.end();
  });
}
