import { createPublicKey } from "node:crypto";
import type { JWK } from "jose";
import type { Actor } from "../auth/actor";
import { issueCertificate, type IssuedCertificate } from "../certificates/issue";
import { requestFromCsr, type SignRequest } from "../certificates/request";
import { db, type Tx } from "../db";
import { ConflictError, InputError } from "../errors";
import { caChain } from "../issuers/intermediate";
import { parseCertificateDer } from "../pki/certificate";
import { parseCsr, type ParsedCsr } from "../pki/csr";
import { buildDn } from "../pki/dn";
import { spkiSha256Hex } from "../pki/keys";
import { pemEncode } from "../pki/pem";
import { formatSan } from "../pki/san";
import { renewThroughProtocol } from "../revocation/renewal";
import { identifierKey, identifiersOfSans, sameIdentifiers, sanOf, type Identifier } from "./identifiers";
import { loadOrder } from "./orders";
import { AcmeProblem } from "./problem";
import { certificateForCertId } from "./renewalInfo";
import { accountActor, body, requirePostAsGet, type AcmeIssuer, type SignedRequest } from "./request";

/**
 * finalize (RFC 8555 7.4): the CSR must name exactly the order's identifiers (SANs, and a
 * CN, if any, among them). The certificate's subject is CN=<the CSR's CN, else the
 * order's first identifier> (at most 64 characters; SANs carry every name), its profile
 * the policy's. Issuance runs in the transaction that moves the order to valid.
 * A renewal — `replaces` (RFC 9773), or failing that an earlier certificate of the same
 * account for the same identifiers — settles that certificate's pending renewal request
 * through renewThroughProtocol (same subject, SANs and profile, a new key), exactly as a
 * token renewal does.
 */
const MAX_CN = 64;

function csrDer(v: unknown): Uint8Array {
  if (typeof v !== "string" || !/^[A-Za-z0-9_-]+$/.test(v)) throw new AcmeProblem("malformed", "csr must be the base64url DER of a PKCS#10 request");
  return Buffer.from(v, "base64url");
}

async function checkCsr(der: Uint8Array, ids: Identifier[], accountJwk: string): Promise<ParsedCsr> {
  let csr: ParsedCsr;
  try {
    csr = await parseCsr(der);
  } catch (e) {
    if (e instanceof InputError) throw new AcmeProblem("badCSR", e.message);
    throw e;
  }
  const requested = new Set(csr.sans.map((s) => identifierKey(s)));
  if (csr.commonName !== null) {
    const cn = csr.commonName.toLowerCase();
    const asId = ids.find((i) => i.value === cn);
    if (!asId) throw new AcmeProblem("badCSR", `the CSR's common name "${csr.commonName}" is not one of the order's identifiers`);
    requested.add(identifierKey(asId));
  }
  const wanted = new Set(ids.map(identifierKey));
  const missing = [...wanted].filter((k) => !requested.has(k));
  const extra = [...requested].filter((k) => !wanted.has(k));
  if (missing.length || extra.length) {
    throw new AcmeProblem("badCSR", `the CSR must name exactly the order's identifiers${missing.length ? `; missing ${missing.join(", ")}` : ""}${extra.length ? `; not in the order: ${extra.join(", ")}` : ""}`);
  }
  const accountSpki = createPublicKey({ key: JSON.parse(accountJwk) as JWK, format: "jwk" } as Parameters<typeof createPublicKey>[0]).export({ type: "spki", format: "der" });
  if (spkiSha256Hex(accountSpki) === csr.spkiSha256) throw new AcmeProblem("badCSR", "the CSR's key is the account key; use a separate key for the certificate");
  return csr;
}

/** What an order certifies: its names as SANs, the subject as above. */
async function signRequest(csr: ParsedCsr, ids: Identifier[], profile: string): Promise<SignRequest> {
  const req = await requestFromCsr({ csr: csr.der, profile, sans: ids.map((i) => formatSan(sanOf(i))) });
  const cn = csr.commonName?.toLowerCase() ?? ids.find((i) => i.value.length <= MAX_CN)?.value;
  if (!cn || cn.length > MAX_CN) throw new AcmeProblem("badCSR", `every identifier is longer than ${MAX_CN} characters, too long for the certificate's common name`);
  const dn = buildDn({ CN: cn });
  return { ...req, subjectDer: dn.der, subject: dn.text, commonName: cn };
}

/** The certificate this order renews when a renewal request awaits it, or null. */
async function renewalTarget(tx: Tx, issuer: AcmeIssuer, order: { accountId: string; replaces: string | null }, ids: Identifier[]) {
  let candidates: string[];
  if (order.replaces) {
    const c = await certificateForCertId(tx, issuer.id, order.replaces);
    candidates = c ? [c.id] : [];
  } else {
    const earlier = await tx.acmeOrder.findMany({ where: { accountId: order.accountId, status: "valid", certificateId: { not: null } }, select: { identifiers: true, certificateId: true } });
    candidates = earlier.filter((o) => sameIdentifiers(JSON.parse(o.identifiers), ids)).map((o) => o.certificateId!);
  }
  if (candidates.length === 0) return null;
  const pending = await tx.renewalRequest.findMany({ where: { certificateId: { in: candidates }, status: "pending", revocation: { status: "pending" } }, select: { certificateId: true } });
  const certs = await tx.certificate.findMany({ where: { id: { in: pending.map((p) => p.certificateId) } }, select: { serial: true, sans: true, der: true, issuer: { select: { name: true } } } });
  // A replacement keeps the SANs (DESIGN): another set of names is a new certificate, not this renewal.
  return certs.find((c) => sameIdentifiers(identifiersOfSans(c.sans), ids)) ?? null;
}

export async function finalizeOrder(req: SignedRequest, issuer: AcmeIssuer, orderId: string) {
  const account = req.account!;
  const order = await loadOrder(issuer, orderId, account.id);
  if (order.status !== "ready") throw new AcmeProblem("orderNotReady", `the order is ${order.status}, not ready`, 403);
  const p = body(req);
  const ids = JSON.parse(order.identifiers) as Identifier[];
  const csr = await checkCsr(csrDer(p.csr), ids, account.jwk);
  const request = await signRequest(csr, ids, issuer.policy.profile ?? "server").catch((e) => {
    throw e instanceof InputError ? new AcmeProblem("badCSR", e.message) : e;
  });
  const actor = accountActor(account.id);
  try {
    await db().$transaction(async (tx) => {
      // Claims the order: of two racing finalizations, one issues.
      const claimed = await tx.acmeOrder.updateMany({ where: { id: order.id, status: "ready" }, data: { status: "processing" } });
      if (claimed.count !== 1) throw new AcmeProblem("orderNotReady", "the order is being finalized already", 403);
      const cert = (await renewIfAwaited(tx, actor, issuer, order, ids, csr)) ?? (await issueCertificate(actor, issuer.name, request, { tx }));
      await tx.acmeOrder.update({ where: { id: order.id }, data: { status: "valid", certificateId: cert.id } });
    });
  } catch (e) {
    // The transaction rolled back: the order is ready again and the client may retry with a better CSR.
    if (e instanceof InputError && !(e instanceof ConflictError) && e.status < 500) throw new AcmeProblem("badCSR", e.message);
    throw e;
  }
  return loadOrder(issuer, order.id, account.id);
}

async function renewIfAwaited(tx: Tx, actor: Actor, issuer: AcmeIssuer, order: { accountId: string; replaces: string | null }, ids: Identifier[], csr: ParsedCsr): Promise<IssuedCertificate | null> {
  const old = await renewalTarget(tx, issuer, order, ids);
  if (!old) return null;
  const { subjectDer, commonName } = parseCertificateDer(old.der);
  try {
    const r = await renewThroughProtocol(tx, actor, {
      issuer: old.issuer.name,
      serial: old.serial,
      via: "acme",
      proof: false,
      // Same subject (byte for byte), SANs and profile as the certificate it replaces; the CSR's new key.
      request: async (prev) => ({ ...(await requestFromCsr({ csr: csr.der, profile: prev.profile, sans: prev.sans ? prev.sans.split(", ") : undefined })), subjectDer, subject: prev.subject, commonName: commonName ?? "" }),
    });
    return r?.replacement ?? null;
  } catch (e) {
    // The renewal's deadline passed (its request is closed): an ordinary issuance, then.
    if (e instanceof ConflictError) return null;
    throw e;
  }
}

/** The certificate with its chain (PEM), for the account whose order it was (POST-as-GET). */
export async function certificateChain(req: SignedRequest, issuer: AcmeIssuer, certificateId: string): Promise<string> {
  requirePostAsGet(req);
  const order = await db().acmeOrder.findFirst({ where: { certificateId, account: { issuerId: issuer.id } }, select: { accountId: true } });
  if (!order) throw new AcmeProblem("malformed", "no such certificate", 404);
  if (order.accountId !== req.account!.id) throw new AcmeProblem("unauthorized", "this certificate was ordered by another account", 403);
  const cert = await db().certificate.findUniqueOrThrow({ where: { id: certificateId }, select: { der: true, issuerId: true } });
  // The whole chain up to and including the root: certbot 2.1 refuses a chain of fewer than two certificates.
  const chain = await caChain(cert.issuerId);
  return [cert.der, ...chain].map((d) => pemEncode("CERTIFICATE", d)).join("");
}
