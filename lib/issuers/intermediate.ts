import crypto from "node:crypto";
import { appendAudit } from "../audit";
import { type Actor } from "../auth/actor";
import { requirePermission } from "../auth/roles";
import { db, type Tx } from "../db";
import { InputError } from "../errors";
import { parseCertificateDer } from "../pki/certificate";
import { pemEncode } from "../pki/pem";
import type { Dn } from "../pki/dn";
import { createCaCertificate, createIssuerSigner } from "../pki/issue";
import type { KeyType } from "../pki/keys";
import { issuerSigningKey, type GeneratedKey } from "../keys";
import { narrowWithin, parsePermittedNames, type PermittedNames } from "../pki/nameConstraints";
import { issuerByName } from "../store/state";
import { checkAll } from "../validation";
import { parsePublicUrl, pointersFor } from "./publicUrl";

/**
 * Intermediate CAs: an issuer whose certificate another issuer signed. Apart from how its
 * certificate came to be it is an ordinary issuer (own serials, RN, CRL, renewals); what
 * is special is checked here, once, at creation: the parent may sign CAs (path length,
 * not revoked, not expired), the child does not outlive it, and the child's name
 * constraints lie within the parent's.
 */

export interface CaOptions {
  parent?: string;
  pathLength?: number | string;
  permittedDns?: string | readonly string[];
  permittedIp?: string | readonly string[];
  publicUrl?: string | null;
}

interface CaCertificateRequest {
  subject: Dn;
  /** The new CA's key, wherever it was generated (lib/keys). */
  key: GeneratedKey;
  keyType: KeyType;
  notBefore: Date;
  notAfter: Date;
  /** The validity was the default, not the operator's: below a parent it ends with the parent instead of being refused. */
  defaultValidity?: boolean;
}

export interface CaCertificateResult {
  certificateDer: Uint8Array;
  /** The certificate's notAfter: the parent's when a default validity would have outlived it. */
  notAfter: Date;
  parentId: string | null;
  publicUrl: string | null;
  /** What the audit entry records about the hierarchy. */
  audit: { parent?: string; pathLength?: number; permittedDns?: string[]; permittedIp?: string[]; publicUrl?: string };
}

const MAX_PATH_LENGTH = 16;

function parsePathLength(v: unknown): number | undefined {
  if (v === undefined || v === null || String(v).trim() === "") return undefined;
  const s = String(v).trim();
  if (!/^\d+$/.test(s) || Number(s) > MAX_PATH_LENGTH) throw new InputError("pathLength", `the path length must be a whole number from 0 to ${MAX_PATH_LENGTH}`);
  return Number(s);
}

/**
 * Serials of intermediate certificates are random in [2^62, 2^63): above every serial
 * the parent hands out from its counter (first serials are below 2^62), so the two never
 * meet, and unpredictable like a root's.
 */
function subCaSerial(): bigint {
  return (1n << 62n) | (BigInt("0x" + crypto.randomBytes(8).toString("hex")) & ((1n << 62n) - 1n));
}

/** The issuer and every CA above it, leaf-side first: the refusal names the first that is revoked. */
async function ancestry(tx: Tx, id: string | null) {
  const out = [];
  for (let cur = id; cur && out.length < 32; ) {
    const row = await tx.issuer.findUnique({ where: { id: cur }, select: { id: true, name: true, parentId: true, generationRevokedAt: true, certificateDer: true } });
    if (!row) break;
    out.push(row);
    cur = row.parentId;
  }
  return out;
}

export interface ParsedCaOptions {
  parentName: string;
  pathLen: number | undefined;
  permitted: PermittedNames;
  ownUrl: string | null;
}

/** Checks the hierarchy fields without touching the database (every field's error in one pass, with the others). */
export function parseCaOptions(o: CaOptions): ParsedCaOptions {
  const [pathLen, permitted, ownUrl] = checkAll(
    () => parsePathLength(o.pathLength),
    () => parsePermittedNames({ dns: o.permittedDns, ip: o.permittedIp }),
    () => parsePublicUrl(o.publicUrl),
  );
  return { parentName: typeof o.parent === "string" ? o.parent.trim() : "", pathLen, permitted, ownUrl };
}

/** The CA certificate for a new issuer: self-signed without a parent, else signed by the parent's key. */
export async function makeCaCertificate(o: ParsedCaOptions, req: CaCertificateRequest, serialForRoot: bigint): Promise<CaCertificateResult> {
  const { parentName, pathLen, permitted, ownUrl } = o;
  if (!parentName) {
    if (permitted.dns.length || permitted.ip.length) throw new InputError("permittedDns", "name constraints belong on an intermediate CA: choose the CA that signs it (a root's constraints bind no verifier)");
    const certificateDer = await createCaCertificate({ ...req, externalKey: { sign: (d) => req.key.key.sign(d), spki: req.key.spki, keyType: req.key.keyType }, serial: serialForRoot, pathLen });
    return { certificateDer, notAfter: req.notAfter, parentId: null, publicUrl: ownUrl, audit: { pathLength: pathLen, publicUrl: ownUrl ?? undefined } };
  }
  const parent = await issuerByName(db(), parentName, { id: true, name: true, keyType: true, certificateDer: true, sealedKey: true, keyStorage: true, keyRef: true, notAfter: true, publicUrl: true, parentId: true, generationRevokedAt: true }, "parent");
  const revoked = (await ancestry(db(), parent.id)).find((a) => a.generationRevokedAt);
  if (revoked) throw new InputError("parent", `the CA "${revoked.name}" was revoked on ${revoked.generationRevokedAt!.toISOString().slice(0, 10)}; it cannot sign a new CA`);
  if (parent.notAfter.getTime() <= req.notBefore.getTime()) throw new InputError("parent", `the CA "${parent.name}" expired on ${parent.notAfter.toISOString().slice(0, 10)}`);
  const parentCert = parseCertificateDer(parent.certificateDer, "parent");
  if (parentCert.pathLen === 0) throw new InputError("parent", `the CA "${parent.name}" has path length 0: it may sign end-entity certificates only, not other CAs`);
  let notAfter = req.notAfter;
  if (notAfter.getTime() > parent.notAfter.getTime()) {
    if (!req.defaultValidity) {
      const maxDays = Math.floor((parent.notAfter.getTime() - req.notBefore.getTime()) / 86_400_000);
      throw new InputError("validityDays", `the CA would outlive its parent "${parent.name}" (valid until ${parent.notAfter.toISOString().slice(0, 10)}): at most ${maxDays} days`);
    }
    notAfter = parent.notAfter;
  }
  // Below a length-limited parent the child's limit defaults to one less (the longest it may be).
  const childPathLen = pathLen ?? (parentCert.pathLen === null ? undefined : parentCert.pathLen - 1);
  if (childPathLen !== undefined && parentCert.pathLen !== null && childPathLen >= parentCert.pathLen) {
    throw new InputError("pathLength", `below "${parent.name}" (path length ${parentCert.pathLen}) the path length must be at most ${parentCert.pathLen - 1}`);
  }
  const parentConstraints = parentCert.extensions.find((e) => e.name === "nameConstraints");
  const names: PermittedNames = narrowWithin(permitted, parentConstraints?.name === "nameConstraints" ? parentConstraints.constraints : null);
  // A one-off signer (not lib/certificates' cache): creating a CA is rare, and lib/issuers sits below lib/certificates.
  // The parent's key may be in a PKCS#11 token (lib/keys): sign asynchronously.
  const signer = createIssuerSigner({ certDer: parent.certificateDer, ...issuerSigningKey(parent), keyType: parent.keyType as KeyType, ...pointersFor(parent.name, parent.publicUrl) });
  const certificateDer = await signer.issueAsync({
    subject: req.subject,
    subjectPublicKeySpki: req.key.spki,
    serial: subCaSerial(),
    notBefore: req.notBefore,
    notAfter,
    profile: "ca",
    pathLen: childPathLen,
    nameConstraints: names,
  });
  // A child without its own URL is published where its parent is.
  const publicUrl = ownUrl ?? parent.publicUrl ?? null;
  return {
    certificateDer,
    notAfter,
    parentId: parent.id,
    publicUrl,
    audit: { parent: parent.name, pathLength: childPathLen, permittedDns: names.dns, permittedIp: names.ip, publicUrl: publicUrl ?? undefined },
  };
}

/** The CA certificates from `issuerId` up to its root (issuer first): what a chain download appends to a leaf. */
export async function caChain(issuerId: string, tx: Tx = db()): Promise<Uint8Array[]> {
  return (await ancestry(tx, issuerId)).map((a) => a.certificateDer);
}

/** Sets (or, with "", clears) the public base URL that CDP and AIA of newly signed certificates use. */
export async function setIssuerPublicUrl(actor: Actor, name: string, url: unknown) {
  requirePermission(actor.role, "issuers:write");
  const publicUrl = parsePublicUrl(url);
  return db().$transaction(async (tx) => {
    const before = await issuerByName(tx, name, { id: true, name: true, publicUrl: true }, "name");
    const after = await tx.issuer.update({ where: { id: before.id }, data: { publicUrl }, select: { id: true, name: true, publicUrl: true } });
    await appendAudit(tx, actor, { action: "issuer.update", targetType: "issuer", targetId: before.id, before: { publicUrl: before.publicUrl }, after: { publicUrl } });
    return after;
  });
}

/** Parent links, for the issuers page's tree: roots first, each followed by its children (depth-first, by name). */
export function hierarchyOrder<T extends { id: string; name: string; parentId: string | null }>(issuers: readonly T[]): (T & { depth: number })[] {
  const byParent = new Map<string | null, T[]>();
  const ids = new Set(issuers.map((i) => i.id));
  for (const i of issuers) {
    const key = i.parentId && ids.has(i.parentId) ? i.parentId : null;
    byParent.set(key, [...(byParent.get(key) ?? []), i]);
  }
  const out: (T & { depth: number })[] = [];
  const walk = (parent: string | null, depth: number) => {
    for (const i of [...(byParent.get(parent) ?? [])].sort((a, b) => a.name.localeCompare(b.name))) {
      out.push({ ...i, depth });
      if (depth < 32) walk(i.id, depth + 1);
    }
  };
  walk(null, 0);
  return out;
}

/** What the pages show of an issuer's place in the hierarchy, read from its certificate. */
export function caConstraints(certificateDer: Uint8Array): { pathLen: number | null; nameConstraints: string | null } {
  const c = parseCertificateDer(certificateDer, "certificate");
  const nc = c.extensions.find((e) => e.name === "nameConstraints");
  return { pathLen: c.pathLen, nameConstraints: nc ? nc.text : null };
}

/** Issuers that may sign a new CA now: not revoked, not expired, path length above 0. */
export async function possibleParents(now = new Date()) {
  const rows = await db().issuer.findMany({ where: { generationRevokedAt: null, notAfter: { gt: now } }, select: { id: true, name: true, parentId: true, certificateDer: true, notAfter: true }, orderBy: { name: "asc" } });
  const revokedBelow = new Set<string>();
  for (const r of rows) if ((await ancestry(db(), r.parentId)).some((a) => a.generationRevokedAt)) revokedBelow.add(r.id);
  return hierarchyOrder(rows)
    .filter((r) => !revokedBelow.has(r.id))
    .map((r) => ({ name: r.name, depth: r.depth, notAfter: r.notAfter, ...caConstraints(r.certificateDer) }))
    .filter((r) => r.pathLen !== 0);
}

/** The issuer's parent and children by name (the issuer page links them). */
export async function issuerRelatives(issuerId: string) {
  const me = await db().issuer.findUniqueOrThrow({ where: { id: issuerId }, select: { parent: { select: { name: true } }, children: { select: { name: true }, orderBy: { name: "asc" } } } });
  return { parent: me.parent?.name ?? null, children: me.children.map((c) => c.name) };
}

/** The issuer's certificate and every CA above it, as PEM (the issuer page's chain download). */
export async function issuerChainPem(actor: Actor, name: string): Promise<{ filename: string; body: string }> {
  requirePermission(actor.role, "read");
  const issuer = await issuerByName(db(), name, { id: true, name: true }, "name");
  return { filename: `${issuer.name}-chain.pem`, body: (await caChain(issuer.id)).map((d) => pemEncode("CERTIFICATE", d)).join("") };
}
