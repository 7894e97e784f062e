import { InputError } from "../errors";
import { issuerNameProblem } from "../revocation-info/infoDer";
import { DEFAULT_TIMEOUT_MS, MAX_RESPONSE_BYTES, httpGet } from "./http";
import type { DeviceState } from "./state";
import { openJudgedTls } from "./tlsCheck";
import { applyFetched, type Applied, type Fetched } from "./update";

/**
 * The network step of a revocation update: fetch, and nothing else. The decision is
 * update.ts's, so callers can apply it to whatever state is current when the answer
 * arrives (the CLI: the state file, re-read under its lock).
 *
 *   first form:  GET {repository}/{issuer}/revocation-info.der   (http or https)
 *   second form: GET {repository}/{issuer}/revocation-number     (https only), sent on
 *                the TLS connection whose certificate the device has just judged.
 */

export interface RevocationSource {
  /** Repository base URL, e.g. http://127.0.0.1:3000/api/repository */
  repository: string;
  /** The issuer's name in Rootline (`{issuer}` in the URL). */
  issuer: string;
  /** Second form: bare RN over TLS, authenticated by the repository's certificate. */
  bare?: boolean;
  timeoutMs?: number;
  maxBytes?: number;
}

export function revocationUrl(s: Pick<RevocationSource, "repository" | "issuer" | "bare">): URL {
  const problem = issuerNameProblem(s.issuer);
  if (problem) throw new InputError("issuer", problem);
  let base: URL;
  try {
    base = new URL(s.repository);
  } catch {
    throw new InputError("repository", `"${s.repository}" is not a URL`);
  }
  if (base.protocol !== "http:" && base.protocol !== "https:") throw new InputError("repository", "the repository URL must be http:// or https://");
  if (s.bare && base.protocol !== "https:") {
    // SPEC 2.2: the unsigned RN is only trustworthy from an authenticated repository.
    throw new InputError("repository", "the bare revocation number is served over TLS only: use an https:// repository URL");
  }
  if (base.search || base.hash || base.username || base.password) throw new InputError("repository", "the repository URL must not have a query, fragment or credentials");
  const leaf = s.bare ? "revocation-number" : "revocation-info.der";
  return new URL(`${base.origin}${base.pathname.replace(/\/+$/, "")}/${encodeURIComponent(s.issuer)}/${leaf}`);
}

export async function fetchRevocation(state: DeviceState, s: RevocationSource): Promise<Fetched> {
  const url = revocationUrl(s);
  const timeoutMs = s.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = s.maxBytes ?? MAX_RESPONSE_BYTES;
  const issuer = s.issuer;
  if (!s.bare) {
    const r = await httpGet(url, { timeoutMs, maxBytes });
    if (r.ok) return { kind: "signed", issuer, body: new Uint8Array(r.body) };
    return { kind: r.failure, form: "signed", issuer, detail: r.detail };
  }

  const started = Date.now();
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const conn = await openJudgedTls(state, { host, port: url.port ? Number(url.port) : 443, timeoutMs, role: "repository" });
  if (!conn.ok) {
    const r = conn.result;
    if (r.code === "unreachable") return { kind: "unreachable", form: "bare", issuer, detail: r.detail };
    return { kind: "repository-rejected", issuer, code: r.code, detail: r.detail };
  }
  const known = conn.judgement.ca.issuerName;
  if (known !== null && known !== issuer) {
    // Do not even ask: whatever it answered would be applied to the wrong CA.
    conn.socket.destroy();
    return { kind: "wrong-issuer", issuer, detail: `the repository's CA is issuer "${known}", not "${issuer}"` };
  }
  const repositoryCertDer = new Uint8Array(conn.judgement.certificate.der);
  const left = Math.max(1, timeoutMs - (Date.now() - started));
  let r: Awaited<ReturnType<typeof httpGet>>;
  try {
    r = await httpGet(url, { timeoutMs: left, maxBytes, socket: conn.socket });
  } finally {
    conn.socket.destroy();
  }
  if (!r.ok) return { kind: r.failure, form: "bare", issuer, detail: r.detail };
  return { kind: "bare", issuer, repositoryCertDer, body: new Uint8Array(r.body) };
}

/** Fetch and apply in one go, on an in-memory state. */
export async function refreshRevocationNumber(state: DeviceState, s: RevocationSource): Promise<Applied> {
  return applyFetched(state, await fetchRevocation(state, s));
}
