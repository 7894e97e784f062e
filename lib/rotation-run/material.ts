/**
 * The root material of a rotation run (SPEC 4.2 `create-root`, 4.3 `create-root-bundle`):
 * the new root key pair (same key type as the issuer), the distribution root certificate
 * (the new root's name and public key, signed with the OLD root key, so `leaf →
 * distribution → old root` is an ordinary chain) and the new self-signed root, plus the
 * re-signing of a node's existing public key with the new key. Pure crypto: no database.
 */
import crypto from "node:crypto";
import { InputError } from "../errors";
import { parseDer, readOid, readString, seq, set, oid, utf8String, TAG } from "../pki/der";
import { formatDn, type Dn } from "../pki/dn";
import { createCaCertificate, createIssuerSigner, type ExternalKey, type IssuerSigner } from "../pki/issue";
import { parseCertificateDer } from "../pki/certificate";
import { exportPkcs8, generateKeyPair, type KeyType, type PrivateKeyInput } from "../pki/keys";
import { OID } from "../pki/oids";
import type { GeneratedKey } from "../keys/types";
import type { JwsSigner } from "./protocol";

const KEY_SUFFIX = / \(key (\d+)\)$/;
const MAX_CN = 64; // RFC 5280 ub-common-name

/** `Fleet Root` → `Fleet Root (key 2)` → `Fleet Root (key 3)`. */
export function nextCommonName(cn: string): string {
  const m = KEY_SUFFIX.exec(cn);
  const base = m ? cn.slice(0, m.index) : cn;
  const suffix = ` (key ${m ? Number(m[1]) + 1 : 2})`;
  return base.slice(0, MAX_CN - suffix.length) + suffix;
}

/**
 * The new root's Name: the old one with its (last) CN given the next key number; every other
 * attribute is copied byte for byte. A Name without a CN gets one.
 */
export function nextRootName(oldSubjectDer: Uint8Array): Dn {
  const rdns = parseDer(oldSubjectDer).expect(TAG.SEQUENCE, "Name").children();
  let last = -1;
  rdns.forEach((rdn, i) => {
    for (const atv of rdn.children()) if (readOid(atv.children()[0], "attribute type") === OID.commonName) last = i;
  });
  const parts: Uint8Array[] = rdns.map((rdn, i) => {
    if (i !== last) return rdn.raw;
    return set(
      ...rdn.children().map((atv) => {
        const [type, value] = atv.children();
        if (readOid(type, "attribute type") !== OID.commonName) return atv.raw;
        return seq(oid(OID.commonName), utf8String(nextCommonName(readString(value, "CN"))));
      }),
    );
  });
  if (last < 0) parts.push(set(seq(oid(OID.commonName), utf8String(nextCommonName("Root")))));
  const der = seq(...parts);
  return { der, text: formatDn(der), fields: {} };
}

export interface RootMaterial extends NewRoot {
  distributionDer: Uint8Array;
}

/** The old root's key: in this process, or in a PKCS#11 token (lib/keys). */
export type RootKey = PrivateKeyInput | ExternalKey;
const signingOptions = (k: RootKey) => (typeof (k as ExternalKey).sign === "function" ? { externalKey: k as ExternalKey } : { privateKey: k as PrivateKeyInput });

export interface RootMaterialInput {
  oldCertDer: Uint8Array;
  oldKey: RootKey;
  keyType: KeyType;
  /** The distribution certificate's serial: the issuer's next one (it is issued by the old root). */
  distributionSerial: bigint;
  now?: Date;
}

/** A random positive 63-bit serial for a self-signed root (as lib/issuers does for a new CA). */
function rootSerial(): bigint {
  return BigInt("0x" + crypto.randomBytes(8).toString("hex")) >> 1n || 1n;
}

export interface NewRoot {
  newSubject: Dn;
  /** PKCS#8 of the new root private key (sealed by the caller before it is stored); null when it was generated in the token. */
  newKeyPkcs8: Uint8Array | null;
  /** Signs the run's requests as the new root. */
  newKey: crypto.KeyObject | JwsSigner;
  newRootDer: Uint8Array;
  /** Signs node certificates with the new key, as the new root. */
  newSigner: IssuerSigner;
}

/**
 * The new key pair and self-signed root: valid as long as the old root was (same length, from
 * now). Key generation may take a while (RSA), so callers do this before taking the write lock.
 */
export async function createNewRoot(input: { oldCertDer: Uint8Array; keyType: KeyType; now?: Date; tokenKey?: GeneratedKey & { key: JwsSigner } }): Promise<NewRoot> {
  const old = parseCertificateDer(input.oldCertDer, "issuerCertificate");
  const now = new Date(Math.floor((input.now ?? new Date()).getTime() / 1000) * 1000);
  if (old.notAfter.getTime() <= now.getTime() + 60_000) throw new InputError("issuer", "the issuer's root certificate has expired; it cannot sign a distribution root");
  const newSubject = nextRootName(old.subjectDer);
  const notBefore = new Date(now.getTime() - 60_000);
  const lifetime = Math.max(old.notAfter.getTime() - old.notBefore.getTime(), 86_400_000);
  const validity = { subject: newSubject, keyType: input.keyType, notBefore, notAfter: new Date(notBefore.getTime() + lifetime), serial: rootSerial() };
  const token = input.tokenKey;
  if (token) {
    // The new root key was generated in the issuer's token (lib/keys): it signs there.
    const newRootDer = await createCaCertificate({ ...validity, externalKey: { sign: (d) => token.key.sign(d), spki: token.spki, keyType: input.keyType } });
    return { newSubject, newKeyPkcs8: null, newKey: token.key, newRootDer, newSigner: createIssuerSigner({ certDer: newRootDer, externalKey: token.key, keyType: input.keyType }) };
  }
  const pair = await generateKeyPair(input.keyType);
  const newKeyPkcs8 = await exportPkcs8(pair.privateKey);
  const newKey = crypto.createPrivateKey({ key: Buffer.from(newKeyPkcs8), format: "der", type: "pkcs8" });
  const newRootDer = await createCaCertificate({ ...validity, keyPair: { privateKey: newKey } });
  const newSigner = createIssuerSigner({ certDer: newRootDer, privateKey: newKey, keyType: input.keyType });
  return { newSubject, newKeyPkcs8, newKey, newRootDer, newSigner };
}

/** The distribution root: the new root's name and key, issued by the old root (it cannot outlive it). */
export function signDistribution(input: { oldCertDer: Uint8Array; oldKey: RootKey; keyType: KeyType; newRoot: NewRoot; serial: bigint; now?: Date }): Promise<Uint8Array> {
  const old = parseCertificateDer(input.oldCertDer, "issuerCertificate");
  const nb = new Date(Math.floor((input.now ?? new Date()).getTime() / 1000) * 1000 - 60_000);
  return createIssuerSigner({ certDer: input.oldCertDer, ...signingOptions(input.oldKey), keyType: input.keyType }).issueAsync({
    subject: input.newRoot.newSubject,
    subjectPublicKeySpki: input.newRoot.newSigner.certificate.spki,
    serial: input.serial,
    notBefore: nb,
    notAfter: old.notAfter,
    profile: "ca",
  });
}

/** Both steps at once (tests; the engine splits them around its transaction). */
export async function createRootMaterial(input: RootMaterialInput): Promise<RootMaterial> {
  const newRoot = await createNewRoot(input);
  const distributionDer = await signDistribution({ ...input, newRoot, serial: input.distributionSerial });
  return { ...newRoot, distributionDer };
}

/**
 * A node's existing public key re-signed with the new key (SPEC 4.1: node keys never change),
 * with the subject and SANs of its current certificate and profile `both`.
 */
export function resignNodeCertificate(newSigner: IssuerSigner, current: Uint8Array, o: { serial: bigint; notBefore: Date; notAfter: Date }): Promise<Uint8Array> {
  const c = parseCertificateDer(current, "certificate");
  return newSigner.issueAsync({
    subject: { der: Buffer.from(c.subjectDer), text: c.subject, fields: {} },
    subjectPublicKeySpki: c.spki,
    serial: o.serial,
    notBefore: o.notBefore,
    notAfter: o.notAfter.getTime() > newSigner.certificate.notAfter.getTime() ? newSigner.certificate.notAfter : o.notAfter,
    profile: "both",
    sans: c.sans,
  });
}
