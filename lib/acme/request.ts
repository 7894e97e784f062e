import type { JWK } from "jose";
import type { Actor } from "../auth/actor";
import { db } from "../db";
import type { AcmePolicyView } from "./policy";
import { payloadObject, parseJws, publicKeyFor, readJwsBody, verifyJws, type JwsHeader, type ParsedJws } from "./jws";
import { consumeNonce } from "./nonce";
import { AcmeProblem } from "./problem";
import { accountIdFromKid, type AcmeUrls } from "./urls";

/** One issuer's ACME server, as a request sees it. */
export interface AcmeIssuer {
  id: string;
  name: string;
  urls: AcmeUrls;
  policy: AcmePolicyView;
}

export type AccountRow = { id: string; issuerId: string; jwkThumbprint: string; jwk: string; status: string; contact: string; eabKeyId: string | null; createdAt: Date };

/** An authenticated ACME request: the verified header and payload, and who signed it. */
export interface SignedRequest {
  header: JwsHeader;
  parsed: ParsedJws;
  /** "" for POST-as-GET. */
  payload: string;
  /** Signed by an account (`kid`). */
  account: AccountRow | null;
  /** Signed by a key given in the header (`jwk`): newAccount, revokeCert by the certificate key. */
  jwk: JWK | null;
}

/** Who an ACME account is in the audit log: a holder of certificates, like renewal holders ("device"). */
export const accountActor = (accountId: string): Actor => ({ kind: "device", name: `acme:${accountId}`, role: "operator" });

/**
 * Reads and authenticates a POST (RFC 8555 6.2-6.5): JWS shape and algorithm, the signed
 * url equal to this request's, the key (`jwk` or an account's `kid`, as the resource wants),
 * the signature, then the nonce, used up exactly once.
 */
export async function signedRequest(request: Request, url: string, issuer: AcmeIssuer, keyBy: "jwk" | "kid" | "either"): Promise<SignedRequest> {
  const parsed = parseJws(await readJwsBody(request));
  const { header } = parsed;
  if (header.url !== url) throw new AcmeProblem("unauthorized", `the JWS url ${JSON.stringify(header.url)} is not this request's URL ${url}`, 403);
  if (keyBy === "jwk" && header.kid !== undefined) throw new AcmeProblem("malformed", "this resource takes a JWS with a \"jwk\" header, not \"kid\"");
  if (keyBy === "kid" && header.jwk !== undefined) throw new AcmeProblem("malformed", "this resource takes a JWS signed by an account (\"kid\"), not \"jwk\"");
  let account: AccountRow | null = null;
  let jwk: JWK | null = null;
  let key: CryptoKey;
  if (header.kid !== undefined) {
    const id = accountIdFromKid(issuer.urls, header.kid);
    account = id ? await db().acmeAccount.findFirst({ where: { id, issuerId: issuer.id } }) : null;
    if (!account) throw new AcmeProblem("accountDoesNotExist", `no account ${JSON.stringify(header.kid)} on this ACME server`, 400);
    // The stored key is a good one: not fitting alg means the request was not signed by it.
    key = await publicKeyFor(JSON.parse(account.jwk) as JWK, header.alg).catch(() => {
      throw new AcmeProblem("malformed", `the JWS alg ${header.alg} does not fit the account's key`);
    });
  } else {
    jwk = header.jwk!;
    key = await publicKeyFor(jwk, header.alg);
  }
  const payload = await verifyJws(parsed, key);
  if (header.nonce === undefined) throw new AcmeProblem("badNonce", "the JWS has no nonce; get one from newNonce");
  if (!(await consumeNonce(header.nonce))) throw new AcmeProblem("badNonce", "the nonce is unknown, used or expired; retry with the Replay-Nonce of this response");
  if (account && account.status !== "valid") throw new AcmeProblem("unauthorized", `the account is ${account.status}`, 403);
  return { header, parsed, payload, account, jwk };
}

/** The payload as a JSON object (a POST with content). */
export const body = (r: SignedRequest) => payloadObject(r.payload);

/** A POST-as-GET, or a POST with an empty object: both just read the resource. */
export function isRead(r: SignedRequest): boolean {
  if (r.payload === "") return true;
  const o = payloadObject(r.payload);
  return Object.keys(o).length === 0;
}

/** POST-as-GET only (certificate download, order lists). */
export function requirePostAsGet(r: SignedRequest): void {
  if (r.payload !== "") throw new AcmeProblem("malformed", "this resource is read with POST-as-GET (an empty payload)");
}
