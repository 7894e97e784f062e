import nodeCrypto from "node:crypto";
import { InputError } from "../errors";
import { bitString, explicit, integer, nul, parseDer, seq, time } from "./der";
import { buildDn, decodeName, type Dn, type DnFields } from "./dn";
import {
  authorityInfoAccessValue,
  authorityKeyIdentifierValue,
  basicConstraintsValue,
  crlDistributionPointsValue,
  extKeyUsageValue,
  extension,
  keyIdentifierOfSpki,
  keyUsageValue,
  subjectKeyIdentifierValue,
} from "./extensions";
import { checkSerial } from "./fingerprint";
import { parseCertificateDer, type Certificate } from "./certificate";
import { isEcKeyType, keyTypeOfKeyObject, keyTypeOfSpki, privateKeyMatchesSpki, toKeyObject, type KeyType, type PrivateKeyInput } from "./keys";
import { checkNamesAllowed, hasConstraints, nameConstraintsValue, type PermittedNames } from "./nameConstraints";
import { OID } from "./oids";
import { keyUsageFor, parseProfile, type Profile, type ProfileName } from "./profiles";
import { encodeSans, parseSan, formatSan, type San } from "./san";
import { signWith, signatureScheme, type SignatureScheme } from "./signature";

/**
 * Certificate issuance. The hot path builds the TBSCertificate DER directly and
 * signs it synchronously with a Node KeyObject; everything that depends only on the
 * issuer (its Name bytes, key identifier, algorithm identifier, key object) is
 * computed once per IssuerSigner. A CA key outside the process (a PKCS#11 token,
 * lib/keys) signs through ExternalKey, asynchronously: issueAsync/signAsync.
 */

export interface CertificateTemplate {
  /** A prebuilt Dn (cheapest), fields, or "CN=..., O=..." text. */
  subject: Dn | DnFields | string;
  /** SubjectPublicKeyInfo DER of the key being certified. */
  subjectPublicKeySpki: Uint8Array;
  serial: bigint;
  notBefore: Date;
  notAfter: Date;
  profile: ProfileName | Profile;
  /** "DNS:x" / "IP:x" strings or parsed SANs. */
  sans?: readonly (San | string)[];
  /** basicConstraints pathLenConstraint; "ca" profile only. */
  pathLen?: number;
  /** Permitted DNS suffixes and IP ranges of a sub-CA (lib/pki/nameConstraints.ts); "ca" profile only. */
  nameConstraints?: PermittedNames;
}

export interface IssuerSigner {
  readonly certificate: Certificate;
  readonly keyType: KeyType;
  readonly scheme: SignatureScheme;
  /** Issuer Name DER, byte-for-byte as in the CA certificate (chain building compares bytes). */
  readonly nameDer: Uint8Array;
  /** The CA's key identifier, used as AKI. */
  readonly keyId: Buffer;
  /** True when the key is outside this process (a PKCS#11 token): only the async methods sign. */
  readonly external: boolean;
  /** Issues one certificate; returns its DER. Synchronous: no awaits on the hot path (software keys only). */
  issue(template: CertificateTemplate): Uint8Array;
  /** Signs arbitrary bytes with the CA key using the CA's scheme (CRLs, revocation information); software keys only. */
  sign(data: Uint8Array): Buffer;
  /** issue() for any key, a token key included. */
  issueAsync(template: CertificateTemplate): Promise<Uint8Array>;
  /** sign() for any key, a token key included. */
  signAsync(data: Uint8Array): Promise<Buffer>;
}

/**
 * A CA key that signs outside this process (a PKCS#11 token, lib/keys): asynchronous,
 * returning the signature as X.509 carries it (DER for ECDSA). Whoever provides it
 * checks that it is the certificate's key.
 */
export interface ExternalKey {
  sign(data: Uint8Array): Promise<Buffer>;
}

export interface IssuerSignerOptions {
  certDer: Uint8Array;
  /** The CA private key: WebCrypto key, Node KeyObject or PKCS#8 DER. */
  privateKey?: PrivateKeyInput;
  /** Instead of privateKey: a key that never enters this process. */
  externalKey?: ExternalKey;
  /** When given, must match the certificate's key type. */
  keyType?: KeyType;
  /** CRL URLs written into every issued leaf as cRLDistributionPoints. */
  crlDistributionPoints?: readonly string[];
  /** The URL of this CA's certificate, written into every issued certificate as AIA caIssuers. */
  caIssuersUrl?: string;
  /** This CA's OCSP responder, written into every issued certificate as AIA ocsp. */
  ocspUrl?: string;
}

const isDn = (s: unknown): s is Dn => !!s && typeof s === "object" && (s as Dn).der instanceof Uint8Array;

/** Checked UTC date, truncated to whole seconds (certificates have no fractions). */
function checkDate(d: unknown, field: string): Date {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw new InputError(field, "a valid date is required");
  const y = d.getUTCFullYear();
  if (y < 1950 || y > 9999) throw new InputError(field, `year ${y} cannot be encoded in a certificate`);
  return new Date(Math.floor(d.getTime() / 1000) * 1000);
}

function checkValidity(nb: unknown, na: unknown): [Date, Date] {
  const notBefore = checkDate(nb, "notBefore");
  const notAfter = checkDate(na, "notAfter");
  if (notAfter.getTime() <= notBefore.getTime()) throw new InputError("notAfter", "notAfter must be later than notBefore");
  return [notBefore, notAfter];
}

function checkSans(sans: readonly (San | string)[] | undefined, profile: Profile): San[] {
  if (sans !== undefined && !Array.isArray(sans)) throw new InputError("san", "SANs must be a list");
  // Re-validate parsed SANs too: they may come from a CSR or a JSON body, not from parseSan.
  const list = (sans ?? []).map((s) => {
    if (typeof s === "string") return parseSan(s, "san");
    if (s && (s.type === "dns" || s.type === "ip") && typeof s.value === "string") return parseSan(formatSan(s), "san");
    throw new InputError("san", "a SAN must be DNS:name or IP:address");
  });
  const seen = new Set(list.map(formatSan));
  if (seen.size !== list.length) throw new InputError("san", "a SAN is listed twice");
  if (!profile.allowsSan && list.length) throw new InputError("san", `${profile.name} certificates carry no subject alternative names`);
  if (profile.requiresSan && !list.length) throw new InputError("san", `a ${profile.name} certificate needs at least one DNS: or IP: subject alternative name`);
  return list;
}

// Constant extension blocks per profile × key family × pathLen.
const fixedExtCache = new Map<string, Buffer[]>();
function fixedExtensions(profile: Profile, subjectKeyType: KeyType, pathLen: number | undefined): Buffer[] {
  // A custom profile is keyed by its content: its name alone could be reused by another definition.
  const id = profile.custom ? `custom:${profile.keyUsage.ec}/${profile.keyUsage.rsa}/${profile.extKeyUsage}` : profile.name;
  const k = `${id}|${isEcKeyType(subjectKeyType) ? "ec" : "rsa"}|${pathLen ?? ""}`;
  let v = fixedExtCache.get(k);
  if (!v) {
    v = [
      // RFC 5280 §4.2.1.9: MUST be critical in CA certificates; critical on leaves too (as Go).
      extension(OID.basicConstraints, true, basicConstraintsValue(profile.isCa, pathLen)),
      extension(OID.keyUsage, true, keyUsageValue(keyUsageFor(profile, subjectKeyType))),
    ];
    if (profile.extKeyUsage.length) v.push(extension(OID.extKeyUsage, false, extKeyUsageValue(profile.extKeyUsage)));
    // RFC 6960 §4.2.2.2.1: the value is NULL.
    if (profile.ocspNoCheck) v.push(extension(OID.ocspNoCheck, false, nul()));
    fixedExtCache.set(k, v);
  }
  return v;
}

// [0] EXPLICIT INTEGER 2 (v3): constant.
const VERSION_3 = explicit(0, integer(2));

interface TbsParts {
  serial: bigint;
  scheme: SignatureScheme;
  issuerName: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  subjectName: Uint8Array;
  spki: Uint8Array;
  extensions: Uint8Array[];
}

function buildTbs(p: TbsParts): Buffer {
  return seq(
    VERSION_3,
    integer(p.serial),
    p.scheme.algorithmIdentifier,
    p.issuerName,
    seq(time(p.notBefore), time(p.notAfter)),
    p.subjectName,
    p.spki,
    explicit(3, seq(...p.extensions)),
  );
}

function assemble(tbs: Buffer, scheme: SignatureScheme, signature: Uint8Array): Uint8Array {
  return new Uint8Array(seq(tbs, scheme.algorithmIdentifier, bitString(signature)));
}

interface Prepared {
  profile: Profile;
  serial: bigint;
  notBefore: Date;
  notAfter: Date;
  subject: Dn;
  spki: Uint8Array;
  subjectKeyType: KeyType;
  sans: San[];
  pathLen: number | undefined;
  nameConstraints: PermittedNames | undefined;
}

/** A Dn built elsewhere (e.g. a CSR's subject bytes): must be one well-formed Name. */
function checkName(dn: Dn): Dn {
  try {
    decodeName(parseDer(dn.der));
  } catch (e) {
    throw new InputError("subject", `the subject is not a valid Name: ${(e as Error).message}`);
  }
  return dn;
}

function prepare(t: CertificateTemplate): Prepared {
  if (!t || typeof t !== "object") throw new InputError("certificate", "a certificate template is required");
  // The signer is below every policy decision: the request layer decides who may ask for which profile.
  // A custom profile (lib/profiles) is validated when stored and loaded, and is never a CA.
  const custom = typeof t.profile === "object" && t.profile?.custom === true && !t.profile.isCa;
  const profile = custom ? (t.profile as Profile) : parseProfile(typeof t.profile === "string" ? t.profile : t.profile?.name, "profile", { internal: true });
  const serial = checkSerial(t.serial, "serial");
  const [notBefore, notAfter] = checkValidity(t.notBefore, t.notAfter);
  const subject = isDn(t.subject) ? checkName(t.subject) : buildDn(t.subject as DnFields | string, "subject");
  if (!(t.subjectPublicKeySpki instanceof Uint8Array)) throw new InputError("publicKey", "the subject public key is required");
  const subjectKeyType = keyTypeOfSpki(t.subjectPublicKeySpki, "publicKey");
  const sans = checkSans(t.sans, profile);
  if (subject.der.length === 2 && sans.length === 0) throw new InputError("subject", "a certificate with an empty subject needs a subject alternative name");
  let pathLen: number | undefined;
  if (t.pathLen !== undefined) {
    if (!profile.isCa) throw new InputError("pathLen", "a path length constraint applies to CA certificates only");
    if (!Number.isInteger(t.pathLen) || t.pathLen < 0 || t.pathLen > 16) throw new InputError("pathLen", "the path length must be an integer from 0 to 16");
    pathLen = t.pathLen;
  }
  const nameConstraints = t.nameConstraints && hasConstraints(t.nameConstraints) ? t.nameConstraints : undefined;
  if (nameConstraints && !profile.isCa) throw new InputError("permittedDns", "name constraints apply to CA certificates only");
  return { profile, serial, notBefore, notAfter, subject, spki: t.subjectPublicKeySpki, subjectKeyType, sans, pathLen, nameConstraints };
}

/** Where relying parties find the issuer's CRL and certificate (absent for a self-signed root). */
interface Pointers {
  crlDp: Buffer | null;
  aia: Buffer | null;
}

function extensionsFor(p: Prepared, authorityKeyId: Uint8Array, ptr: Pointers | null): Buffer[] {
  const exts = [...fixedExtensions(p.profile, p.subjectKeyType, p.pathLen)];
  exts.push(extension(OID.subjectKeyIdentifier, false, subjectKeyIdentifierValue(keyIdentifierOfSpki(p.spki))));
  exts.push(extension(OID.authorityKeyIdentifier, false, authorityKeyIdentifierValue(authorityKeyId)));
  // RFC 5280 §4.2.1.6: critical exactly when the subject is empty (a CSR's Name may be).
  if (p.sans.length) exts.push(extension(OID.subjectAltName, p.subject.der.length === 2, encodeSans(p.sans)));
  // RFC 5280 §4.2.1.10: MUST be critical (a verifier that cannot read it must reject the chain).
  if (p.nameConstraints) exts.push(extension(OID.nameConstraints, true, nameConstraintsValue(p.nameConstraints)));
  if (ptr?.crlDp) exts.push(ptr.crlDp);
  if (ptr?.aia) exts.push(ptr.aia);
  return exts;
}

/**
 * Creates the reusable signer for one CA. Checks once that the certificate is a CA
 * allowed to sign certificates, that its key is a supported type, and that the
 * private key belongs to it.
 */
export function createIssuerSigner(opts: IssuerSignerOptions): IssuerSigner {
  const cert = parseCertificateDer(opts.certDer, "issuerCertificate");
  if (!cert.isCa) throw new InputError("issuerCertificate", "the issuer certificate is not a CA certificate (basicConstraints CA:TRUE is missing)");
  if (cert.keyUsage && !cert.keyUsage.includes("keyCertSign")) throw new InputError("issuerCertificate", "the issuer certificate's key usage does not allow signing certificates (keyCertSign)");
  if (!cert.keyType) throw new InputError("issuerCertificate", "the issuer certificate's key type is not supported");
  if (opts.keyType !== undefined && opts.keyType !== cert.keyType) throw new InputError("keyType", `the issuer key is ${cert.keyType}, not ${opts.keyType}`);
  const external = opts.externalKey;
  const key = external ? null : toKeyObject(opts.privateKey as PrivateKeyInput, "privateKey");
  if (key && (keyTypeOfKeyObject(key, "privateKey") !== cert.keyType || !privateKeyMatchesSpki(key, cert.spki))) {
    throw new InputError("privateKey", "the private key does not belong to the issuer certificate");
  }
  const keyType = cert.keyType;
  const signSync = (data: Uint8Array): Buffer => {
    if (!key) throw new Error(`the key of "${cert.commonName ?? cert.subject}" is in a PKCS#11 token and signs asynchronously: call issueAsync/signAsync`);
    return signWith(key, keyType, data);
  };
  const signAsync = external ? (data: Uint8Array) => external.sign(data) : async (data: Uint8Array) => signSync(data);
  const scheme = signatureScheme(keyType);
  // RFC 5280 §4.2.1.1: AKI = issuer's SKI; for a CA without SKI, derive it the same way.
  const keyId = cert.subjectKeyId ? Buffer.from(cert.subjectKeyId, "hex") : keyIdentifierOfSpki(cert.spki);
  const crlDp = opts.crlDistributionPoints?.length ? extension(OID.cRLDistributionPoints, false, crlDistributionPointsValue(checkUrls(opts.crlDistributionPoints))) : null;
  const aia =
    opts.caIssuersUrl || opts.ocspUrl
      ? extension(OID.authorityInfoAccess, false, authorityInfoAccessValue(opts.caIssuersUrl && checkUrls([opts.caIssuersUrl])[0], opts.ocspUrl && checkUrls([opts.ocspUrl])[0]))
      : null;
  const nameDer = cert.subjectDer;
  const constraints = cert.extensions.find((e) => e.name === "nameConstraints");

  const tbsOf = (template: CertificateTemplate): Buffer => {
      const p = prepare(template);
      // A certificate must not outlive its CA (RFC 5280 path validation would reject it
      // after the CA expires anyway). The issuance pipeline caps notAfter at the CA's
      // (lib/certificates/issue.ts); here, at the bottom, a longer request is refused.
      if (p.notAfter.getTime() > cert.notAfter.getTime()) {
        throw new InputError("notAfter", `notAfter ${p.notAfter.toISOString()} is after the CA's own notAfter ${cert.notAfter.toISOString()}; a certificate must not outlive its CA`);
      }
      if (p.profile.isCa) checkSubCa(cert, p);
      if (constraints?.name === "nameConstraints") checkNamesAllowed(constraints.constraints, p.sans, commonNameOf(p.subject), cert.commonName ?? cert.subject);
      return buildTbs({
        serial: p.serial,
        scheme,
        issuerName: nameDer,
        notBefore: p.notBefore,
        notAfter: p.notAfter,
        subjectName: p.subject.der,
        spki: p.spki,
        extensions: extensionsFor(p, keyId, { crlDp, aia }),
      });
  };

  return {
    certificate: cert,
    keyType,
    scheme,
    nameDer,
    keyId,
    external: !!external,
    issue(template: CertificateTemplate): Uint8Array {
      const tbs = tbsOf(template);
      return assemble(tbs, scheme, signSync(tbs));
    },
    sign: signSync,
    async issueAsync(template: CertificateTemplate): Promise<Uint8Array> {
      const tbs = tbsOf(template);
      return assemble(tbs, scheme, await signAsync(tbs));
    },
    signAsync,
  };
}

/** The CA's basicConstraints bound the chain below it (RFC 5280 §4.2.1.9). */
function checkSubCa(ca: Certificate, p: Prepared): void {
  if (ca.pathLen === null) return;
  if (ca.pathLen === 0) throw new InputError("parent", `the CA "${ca.commonName ?? ca.subject}" has path length 0: it may sign end-entity certificates only, not other CAs`);
  if (p.pathLen === undefined || p.pathLen >= ca.pathLen) {
    throw new InputError("pathLength", `below a CA of path length ${ca.pathLen} the path length must be at most ${ca.pathLen - 1}`);
  }
}

function commonNameOf(dn: Dn): string | null {
  try {
    return decodeName(parseDer(dn.der)).commonName ?? null;
  } catch {
    return null;
  }
}

function checkUrls(urls: readonly string[]): string[] {
  return urls.map((u) => {
    let url: URL;
    try {
      url = new URL(u);
    } catch {
      throw new InputError("crlDistributionPoints", `"${u}" is not a URL`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new InputError("crlDistributionPoints", `"${u}" must be an http(s) URL`);
    if (/[^\x21-\x7e]/.test(u)) throw new InputError("crlDistributionPoints", `"${u}" must be ASCII without spaces`);
    return u;
  });
}

// ---------------------------------------------------------------- self-signed CA

export interface CaCertificateOptions {
  subject: Dn | DnFields | string;
  keyPair?: CryptoKeyPair | { privateKey: PrivateKeyInput; publicKey?: CryptoKey };
  /** Instead of keyPair: a key in a token, with its public key (SPKI DER) and type. */
  externalKey?: ExternalKey & { spki: Uint8Array; keyType: KeyType };
  keyType?: KeyType;
  notBefore: Date;
  notAfter: Date;
  serial: bigint;
  pathLen?: number;
}

/** A self-signed CA certificate (issuer = subject, AKI = SKI). */
export async function createCaCertificate(o: CaCertificateOptions): Promise<Uint8Array> {
  const { keyType, spki, sign } = o.externalKey ? { ...o.externalKey, sign: o.externalKey.sign.bind(o.externalKey) } : await softwareCaKey(o);
  if (o.keyType !== undefined && o.keyType !== keyType) throw new InputError("keyType", `the key pair is ${keyType}, not ${o.keyType}`);
  const p = prepare({ subject: o.subject, subjectPublicKeySpki: spki, serial: o.serial, notBefore: o.notBefore, notAfter: o.notAfter, profile: "ca", pathLen: o.pathLen });
  const scheme = signatureScheme(keyType);
  const keyId = keyIdentifierOfSpki(spki);
  const tbs = buildTbs({
    serial: p.serial,
    scheme,
    issuerName: p.subject.der,
    notBefore: p.notBefore,
    notAfter: p.notAfter,
    subjectName: p.subject.der,
    spki,
    extensions: extensionsFor(p, keyId, null),
  });
  return assemble(tbs, scheme, await sign(tbs));
}

async function softwareCaKey(o: CaCertificateOptions): Promise<{ keyType: KeyType; spki: Uint8Array; sign(data: Uint8Array): Promise<Buffer> }> {
  const key = toKeyObject(o.keyPair?.privateKey as PrivateKeyInput, "keyPair");
  const keyType = keyTypeOfKeyObject(key, "keyPair");
  const spki = new Uint8Array(nodeCrypto.createPublicKey(key).export({ format: "der", type: "spki" }));
  if (o.keyPair?.publicKey) {
    const given = new Uint8Array(await globalThis.crypto.subtle.exportKey("spki", o.keyPair.publicKey));
    if (!privateKeyMatchesSpki(key, given)) throw new InputError("keyPair", "the public and private keys do not belong together");
  }
  return { keyType, spki, sign: async (data) => signWith(key, keyType, data) };
}

// ---------------------------------------------------------------- one-shot issuance

export interface IssueCertificateOptions extends CertificateTemplate {
  issuerCertDer: Uint8Array;
  issuerPrivateKey: PrivateKeyInput;
  issuerKeyType?: KeyType;
}

/**
 * One-shot signing (DER): prepares a signer for this one certificate. Callers that sign
 * repeatedly hold an IssuerSigner (createIssuerSigner); the server keeps one per issuer in
 * lib/certificates/signers.ts, the only signer cache.
 */
export async function signCertificate(o: IssueCertificateOptions): Promise<Uint8Array> {
  if (!(o?.issuerCertDer instanceof Uint8Array)) throw new InputError("issuerCertificate", "the issuer certificate is required");
  return createIssuerSigner({ certDer: o.issuerCertDer, privateKey: o.issuerPrivateKey, keyType: o.issuerKeyType }).issue(o);
}
