import { errors as joseErrors, flattenedVerify, importJWK, type FlattenedJWS, type JWK } from "jose";
import { InputError } from "../errors";
import { readCappedBody } from "../http/body";
import { AcmeProblem } from "./problem";

/**
 * The JWS layer of ACME (RFC 8555 6.2): flattened JSON serialization only, verified with
 * `jose`. The header rules (alg, url, exactly one of jwk/kid, no unprotected header) are
 * checked here; the nonce and the account behind a `kid` by the caller (request.ts).
 */
export const JWS_ALGORITHMS = ["ES256", "ES384", "RS256", "EdDSA"] as const;
/** A CSR of an RSA-4096 key with many names is a few KiB; nothing ACME sends comes close. */
export const MAX_JWS_BYTES = 64 * 1024;
const MIN_RSA_BITS = 2048;

export interface JwsHeader {
  alg: string;
  nonce?: string;
  url: string;
  jwk?: JWK;
  kid?: string;
}

export interface ParsedJws {
  jws: FlattenedJWS;
  header: JwsHeader;
}

const malformed = (detail: string) => new AcmeProblem("malformed", detail);

function b64json(s: string, what: string): unknown {
  try {
    return JSON.parse(Buffer.from(s, "base64url").toString("utf8"));
  } catch {
    throw malformed(`the ${what} is not base64url-encoded JSON`);
  }
}

/** The request body as a flattened JWS (content type, size and shape); signature not yet checked. */
export async function readJwsBody(request: Request): Promise<unknown> {
  let text: string;
  try {
    text = await readCappedBody(request, "application/jose+json", MAX_JWS_BYTES);
  } catch (e) {
    if (e instanceof InputError) throw new AcmeProblem("malformed", e.status === 415 ? "send ACME requests as application/jose+json" : e.message, e.status);
    throw e;
  }
  try {
    return JSON.parse(text);
  } catch {
    throw malformed("the request body is not JSON");
  }
}

/** Checks the shape and the protected header of a flattened JWS (outer or inner). */
export function parseJws(body: unknown, what = "JWS"): ParsedJws {
  if (!body || typeof body !== "object" || Array.isArray(body)) throw malformed(`the ${what} must be a JSON object (flattened serialization)`);
  const o = body as Record<string, unknown>;
  if ("header" in o) throw malformed(`the ${what} must not have an unprotected header`);
  if ("signatures" in o) throw malformed(`the ${what} must use the flattened serialization, with one signature`);
  for (const k of ["protected", "payload", "signature"] as const) {
    if (typeof o[k] !== "string") throw malformed(`the ${what} has no "${k}" string`);
  }
  for (const k of Object.keys(o)) if (!["protected", "payload", "signature"].includes(k)) throw malformed(`the ${what} has an unknown member "${k}"`);
  const h = b64json(o.protected as string, `${what}'s protected header`);
  if (!h || typeof h !== "object" || Array.isArray(h)) throw malformed(`the ${what}'s protected header is not an object`);
  const header = h as Record<string, unknown>;
  if (typeof header.alg !== "string" || !(JWS_ALGORITHMS as readonly string[]).includes(header.alg)) {
    throw new AcmeProblem("badSignatureAlgorithm", `the ${what}'s alg ${JSON.stringify(header.alg ?? null)} is not accepted; use one of ${JWS_ALGORITHMS.join(", ")}`, 400, { algorithms: [...JWS_ALGORITHMS] });
  }
  if ("crit" in header || "b64" in header) throw malformed(`the ${what} must not use "crit" or "b64"`);
  if (typeof header.url !== "string") throw malformed(`the ${what}'s protected header has no "url"`);
  if ("nonce" in header && typeof header.nonce !== "string") throw malformed(`the ${what}'s "nonce" must be a string`);
  const hasJwk = "jwk" in header;
  const hasKid = "kid" in header;
  if (hasJwk === hasKid) throw malformed(`the ${what}'s protected header must have exactly one of "jwk" and "kid"`);
  if (hasKid && typeof header.kid !== "string") throw malformed(`the ${what}'s "kid" must be a string`);
  if (hasJwk && (!header.jwk || typeof header.jwk !== "object" || Array.isArray(header.jwk))) throw malformed(`the ${what}'s "jwk" must be a JSON Web Key`);
  return { jws: o as unknown as FlattenedJWS, header: header as unknown as JwsHeader };
}

/** A public JWK as the key for `alg`; refuses private members, mismatched key types and short RSA keys. */
export async function publicKeyFor(jwk: JWK, alg: string): Promise<CryptoKey> {
  if ("d" in jwk || "p" in jwk || "k" in jwk) throw new AcmeProblem("badPublicKey", "the JWK must be a public key");
  let key: CryptoKey | Uint8Array;
  try {
    key = await importJWK({ ...jwk, alg: undefined, ext: undefined, key_ops: undefined, use: undefined } as JWK, alg);
  } catch (e) {
    throw new AcmeProblem("badPublicKey", `the JWK is not a ${alg} public key (${(e as Error).message})`);
  }
  if (key instanceof Uint8Array || key.type !== "public") throw new AcmeProblem("badPublicKey", "the JWK must be a public key");
  const bits = (key.algorithm as { modulusLength?: number }).modulusLength;
  if (bits !== undefined && bits < MIN_RSA_BITS) throw new AcmeProblem("badPublicKey", `RSA keys must have at least ${MIN_RSA_BITS} bits (this one has ${bits})`);
  return key;
}

/** Verifies the signature with `key`; returns the payload ("" for POST-as-GET). */
export async function verifyJws(p: ParsedJws, key: CryptoKey, what = "JWS"): Promise<string> {
  try {
    const { payload } = await flattenedVerify(p.jws, key, { algorithms: [p.header.alg] });
    return Buffer.from(payload).toString("utf8");
  } catch (e) {
    if (e instanceof joseErrors.JOSEError) throw malformed(`the ${what}'s signature does not verify (${e.code})`);
    throw e;
  }
}

/** A verified payload as a JSON object (POST) — POST-as-GET ("" payload) is refused here. */
export function payloadObject(payload: string, what = "payload"): Record<string, unknown> {
  if (payload === "") throw malformed(`this request needs a JSON ${what}, not POST-as-GET`);
  let v: unknown;
  try {
    v = JSON.parse(payload);
  } catch {
    throw malformed(`the ${what} is not JSON`);
  }
  if (!v || typeof v !== "object" || Array.isArray(v)) throw malformed(`the ${what} must be a JSON object`);
  return v as Record<string, unknown>;
}
