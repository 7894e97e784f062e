import crypto from "node:crypto";
import { signerFor } from "../certificates/signers";
import { databaseChangeToken, db } from "../db";
import { DatabaseBusyError, NotFoundError } from "../errors";
import { keyIdentifierOfSpki } from "../pki/extensions";
import { readBitString, readTlv, TAG } from "../pki/der";
import { OID } from "../pki/oids";
import { parseCertificateDer } from "../pki/certificate";
import type { RevocationReason } from "../pki/reasons";
import { CRL_REFRESH_MS, currentCrl } from "../revocation/crlStore";
import { issuerByName } from "../store/state";
import { OcspMalformed, parseOcspRequest, type OcspCertQuery } from "./request";
import { buildOcspResponse, ocspErrorResponse, type OcspCertStatus, type OcspErrorStatus, type OcspResponder, type SingleAnswer } from "./response";
import { currentDelegate } from "./signer";

/**
 * The OCSP responder's answers (RFC 6960), per issuer. Per process, like the repository's
 * documents (lib/repository/documents.ts), everything that depends only on the issuer's
 * state — RN, current CRL (thisUpdate/nextUpdate), the signing key — is kept with the
 * database change token it was read under. Responses to requests without a nonce are
 * signed once and kept too, keyed by the request's bytes (one CertID: one (issuer, serial)
 * and hash algorithm), and only when nothing committed while they were built and no
 * certificate in them was unknown (issuing it would not change the state key below).
 *
 * When the token moves (any commit, any process), the issuer's state is read again — one
 * issuer row and one responder row — and its stored responses survive only when the state
 * key (RN, CRL number and times, signer) is unchanged. A revocation marks the CRL stale, and
 * the responder makes sure a fresh CRL exists before answering (currentCrl rebuilds it), so
 * a revocation or an RN raise always changes the key: no stale "good" is ever served.
 */

type Hashes = Map<string, { name: Buffer; key: Buffer }>;

interface IssuerState {
  token: string | null;
  /** Re-read after this time even if nothing committed (the CRL's refresh, the signer's renewal). */
  until: number;
  key: string;
  id: string;
  name: string;
  revocationNumber: bigint;
  thisUpdate: Date;
  nextUpdate: Date;
  hashes: Hashes;
  responder: OcspResponder;
  responses: Map<string, Buffer>;
  /** Known serials' statuses (good or revoked), so a nonce answer needs no query either. */
  statuses: Map<bigint, OcspCertStatus>;
  /** Serials of the intermediate CAs this issuer signed, read once per state (a new CA moves the token). */
  childSerials?: Promise<Set<bigint>>;
}

/** Responses (and statuses) kept per issuer; the oldest goes first (a request flood with distinct bytes stays bounded). */
export const MAX_CACHED_RESPONSES = 20_000;

function remember<K, V>(m: Map<K, V>, k: K, v: V): void {
  if (m.size >= MAX_CACHED_RESPONSES) m.delete(m.keys().next().value!);
  m.set(k, v);
}

const HASHES: [string, string][] = [
  [OID.sha1, "sha1"],
  [OID.sha256, "sha256"],
  [OID.sha384, "sha384"],
  [OID.sha512, "sha512"],
];

/** CertID issuerNameHash and issuerKeyHash of the issuer under each hash algorithm Rootline accepts (RFC 5019: SHA-1; SHA-2 too). */
function issuerHashes(nameDer: Uint8Array, spki: Uint8Array): Hashes {
  const keyBits = readBitString(readTlv(spki, 0).expect(TAG.SEQUENCE, "SubjectPublicKeyInfo").children()[1], "subjectPublicKey").bytes;
  return new Map(HASHES.map(([o, h]) => [o, { name: crypto.createHash(h).update(nameDer).digest(), key: crypto.createHash(h).update(keyBits).digest() }]));
}

const states = new Map<string, IssuerState>();
const loading = new Map<string, Promise<IssuerState>>();
const hashCache = new Map<string, { certDer: Buffer; hashes: Hashes; responder: OcspResponder }>();

async function loadState(name: string, previous: IssuerState | undefined): Promise<IssuerState> {
  const token = databaseChangeToken();
  const now = new Date();
  const row = await issuerByName(db(), name, {
    id: true, name: true, keyType: true, certificateDer: true, sealedKey: true, keyStorage: true, keyRef: true, publicUrl: true, revocationNumber: true, notAfter: true,
    crlNumber: true, crlStale: true, crlThisUpdate: true, crlNextUpdate: true,
  });
  // thisUpdate/nextUpdate are the current CRL's: make sure one exists and is fresh (rebuilt after a revocation).
  let crl = { crlNumber: row.crlNumber, thisUpdate: row.crlThisUpdate, nextUpdate: row.crlNextUpdate };
  if (row.crlStale || !crl.thisUpdate || !crl.nextUpdate || crl.nextUpdate.getTime() - now.getTime() <= CRL_REFRESH_MS) crl = await currentCrl(name, now);
  const certDer = Buffer.from(row.certificateDer);
  let own = hashCache.get(row.id);
  if (!own || !own.certDer.equals(certDer)) {
    const signer = signerFor(row);
    own = {
      certDer,
      hashes: issuerHashes(signer.nameDer, signer.certificate.spki),
      responder: { id: `issuer:${crypto.createHash("sha256").update(certDer).digest("hex")}`, keyHash: keyIdentifierOfSpki(signer.certificate.spki), algorithmIdentifier: signer.scheme.algorithmIdentifier, sign: (tbs) => signer.signAsync(tbs), certs: [] },
    };
    hashCache.set(row.id, own);
  }
  const delegate = await currentDelegate(row, now);
  const responder = delegate?.responder ?? own.responder;
  const key = `${row.revocationNumber}|${crl.crlNumber}|${crl.thisUpdate!.getTime()}|${crl.nextUpdate!.getTime()}|${responder.id}|${own.responder.id}`;
  const keep = previous && previous.key === key && previous.id === row.id;
  const state: IssuerState = {
    // Only what was read while nothing changed may be trusted until the next change.
    token: databaseChangeToken() === token ? token : null,
    until: Math.min(crl.nextUpdate!.getTime() - CRL_REFRESH_MS, delegate?.recheckAt ?? Infinity),
    key,
    id: row.id,
    name,
    revocationNumber: row.revocationNumber,
    thisUpdate: crl.thisUpdate!,
    nextUpdate: crl.nextUpdate!,
    hashes: own.hashes,
    responder,
    responses: keep ? previous.responses : new Map(),
    statuses: keep ? previous.statuses : new Map(),
  };
  states.set(name, state);
  return state;
}

async function issuerState(name: string): Promise<IssuerState> {
  const token = databaseChangeToken();
  const s = states.get(name);
  if (s && token !== null && s.token === token && Date.now() < s.until) return s;
  // Concurrent requests after a change share one reload.
  let p = loading.get(name);
  if (!p) {
    p = loadState(name, s).finally(() => loading.delete(name));
    loading.set(name, p);
  }
  return p;
}

/** When the RN first passed `serial`: the RevocationNumberChange that moved it above. */
async function passedByRnAt(state: IssuerState, serial: bigint): Promise<Date> {
  const change = await db().revocationNumberChange.findFirst({ where: { issuerId: state.id, to: { gt: serial } }, orderBy: { id: "asc" }, select: { at: true } });
  return change?.at ?? state.thisUpdate;
}

/**
 * The status of one certificate: unknown unless the CertID names this issuer (name and key
 * hash) and Rootline issued the serial (a certificate, or an intermediate CA below it: good); revoked when its row says so (time and reason from
 * the row) or when it is below the RN (time: when the RN passed it; reason superseded, as
 * on the CRL); else good. Kept per serial like the answers, so a nonce answer needs no query.
 */
async function statusOf(state: IssuerState, q: OcspCertQuery): Promise<OcspCertStatus> {
  const h = state.hashes.get(q.hashOid);
  if (!h || !h.name.equals(q.nameHash) || !h.key.equals(q.keyHash) || q.serial <= 0n) return { kind: "unknown" };
  const known = state.statuses.get(q.serial);
  if (known) return known;
  const token = databaseChangeToken();
  const status = await readStatus(state, q.serial);
  // Unknown is not kept (the serial may be issued next); the rest only if read under the state's token.
  if (status.kind !== "unknown" && token !== null && token === state.token && databaseChangeToken() === token) remember(state.statuses, q.serial, status);
  return status;
}

/**
 * An intermediate CA this issuer signed (an Issuer row below it, lib/issuers/intermediate.ts):
 * its certificate's serial is random, outside the issued range, and Rootline has no way to
 * revoke a CA certificate, so it is good while the parent answers for it. Clients that check
 * the whole chain by OCSP ask the parent's responder about it.
 */
async function isChildCa(state: IssuerState, serial: bigint): Promise<boolean> {
  // Unknown serials are not cached, so a client asking for random ones must not cost a query and parse each.
  const read = (state.childSerials ??= db()
    .issuer.findMany({ where: { parentId: state.id }, select: { certificateDer: true } })
    .then((children) => new Set(children.map((c) => parseCertificateDer(c.certificateDer, "certificate").serial))));
  try {
    return (await read).has(serial);
  } catch (e) {
    if (state.childSerials === read) state.childSerials = undefined; // a failed read (a busy database) is not kept
    throw e;
  }
}

async function readStatus(state: IssuerState, serial: bigint): Promise<OcspCertStatus> {
  const row = await db().certificate.findUnique({ where: { issuerId_serial: { issuerId: state.id, serial } }, select: { status: true, revokedAt: true, revocationReason: true } });
  if (!row) return (await isChildCa(state, serial)) ? { kind: "good" } : { kind: "unknown" };
  if (row.status === "revoked") return { kind: "revoked", at: row.revokedAt ?? (await passedByRnAt(state, serial)), reason: (row.revocationReason ?? "superseded") as RevocationReason };
  if (serial < state.revocationNumber) return { kind: "revoked", at: await passedByRnAt(state, serial), reason: "superseded" };
  return { kind: "good" };
}

export interface OcspAnswer {
  der: Buffer;
  /** "successful" or the error status. */
  status: "successful" | OcspErrorStatus;
  /** Signed for this request alone (it carried a nonce): not to be cached by anyone. */
  fresh: boolean;
  /** The CRL window of a successful answer (HTTP caching headers). */
  thisUpdate?: Date;
  nextUpdate?: Date;
}

const failure = (status: OcspErrorStatus): OcspAnswer => ({ der: ocspErrorResponse(status), status, fresh: false });

/** Answers one DER OCSPRequest for the issuer named in the URL. Never throws. */
export async function answerOcsp(issuerName: string, requestDer: Uint8Array): Promise<OcspAnswer> {
  let state: IssuerState;
  try {
    state = await issuerState(issuerName);
  } catch (err) {
    // RFC 6960 §2.3 / RFC 5019 §2.2.3: a responder that does not serve this CA answers "unauthorized".
    if (err instanceof NotFoundError) return failure("unauthorized");
    if (err instanceof DatabaseBusyError) return failure("tryLater");
    console.error(`rootline: OCSP for ${issuerName} failed:`, err);
    return failure("internalError");
  }
  const cacheKey = Buffer.from(requestDer).toString("latin1");
  const hit = state.responses.get(cacheKey);
  if (hit) return { der: hit, status: "successful", fresh: false, thisUpdate: state.thisUpdate, nextUpdate: state.nextUpdate };
  let parsed;
  try {
    parsed = parseOcspRequest(requestDer);
  } catch (err) {
    if (!(err instanceof OcspMalformed)) console.error(`rootline: OCSP for ${issuerName}: request parsing failed:`, err);
    return failure("malformedRequest");
  }
  let answers: SingleAnswer[];
  try {
    answers = await Promise.all(parsed.queries.map(async (q) => ({ certIdDer: q.certIdDer, status: await statusOf(state, q), thisUpdate: state.thisUpdate, nextUpdate: state.nextUpdate })));
  } catch (err) {
    if (err instanceof DatabaseBusyError) return failure("tryLater");
    console.error(`rootline: OCSP for ${issuerName} failed:`, err);
    return failure("internalError");
  }
  const producedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
  let der: Buffer;
  try {
    der = await buildOcspResponse(state.responder, answers, producedAt, parsed.nonceExtension ? [parsed.nonceExtension] : []);
  } catch (err) {
    console.error(`rootline: OCSP for ${issuerName}: signing failed:`, err);
    return failure("internalError");
  }
  const fresh = parsed.nonceExtension !== null;
  // An unknown serial may be issued next without changing the state key: such answers are not kept.
  const keep = !fresh && answers.every((x) => x.status.kind !== "unknown");
  if (keep && state.token !== null && databaseChangeToken() === state.token) remember(state.responses, cacheKey, der);
  return { der, status: "successful", fresh, thisUpdate: state.thisUpdate, nextUpdate: state.nextUpdate };
}

/** For tests: forget every cached state and response. */
export function clearOcspCache(): void {
  states.clear();
  hashCache.clear();
}
