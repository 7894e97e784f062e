import { InputError, shown } from "../errors";
import { isEcKeyType, type KeyType } from "./keys";
import { OID } from "./oids";

/**
 * Certificate profiles as data (cfssl style). The issuing code only interprets
 * these; adding a profile is a data change.
 *
 * Every certificate also gets basicConstraints (critical; CA:false on leaves),
 * subjectKeyIdentifier and authorityKeyIdentifier = issuer's SKI.
 */
export type ProfileName = "server" | "client" | "both" | "proxy" | "repository" | "ocsp" | "ca";
export const PROFILE_NAMES: readonly ProfileName[] = ["server", "client", "both", "proxy", "repository", "ocsp", "ca"];

/** Bit positions per RFC 5280 §4.2.1.3 (index = bit number). */
export const KEY_USAGE_BITS = [
  "digitalSignature",
  "nonRepudiation",
  "keyEncipherment",
  "dataEncipherment",
  "keyAgreement",
  "keyCertSign",
  "cRLSign",
  "encipherOnly",
  "decipherOnly",
] as const;
export type KeyUsageName = (typeof KEY_USAGE_BITS)[number];

export const EXT_KEY_USAGE_OIDS = {
  serverAuth: OID.serverAuth,
  clientAuth: OID.clientAuth,
  codeSigning: OID.codeSigning,
  emailProtection: OID.emailProtection,
  timeStamping: OID.timeStamping,
  OCSPSigning: OID.ocspSigning,
  anyExtendedKeyUsage: OID.anyExtendedKeyUsage,
  /** The bare-RN repository's marker (oids.ts); devices require it of the repository. */
  rootlineRepository: OID.rootlineRepository,
} as const;
export type ExtKeyUsageName = keyof typeof EXT_KEY_USAGE_OIDS;

export interface Profile {
  /** A ProfileName for the built-in ones; a custom profile's own name (lib/profiles). */
  name: string;
  description: string;
  isCa: boolean;
  /** Key usage by key family: RSA key transport needs keyEncipherment, ECDHE does not. */
  keyUsage: { ec: readonly KeyUsageName[]; rsa: readonly KeyUsageName[] };
  extKeyUsage: readonly ExtKeyUsageName[];
  /** TLS servers are matched by SAN only (RFC 6125; browsers and Go ignore the CN). */
  requiresSan: boolean;
  allowsSan: boolean;
  /**
   * Issued only by Rootline itself, never from a request (parseProfile refuses it unless
   * asked with `internal`): the repository profile's marker is what lets a device tell the
   * repository apart from any other certificate of the same CA, and a CA certificate is
   * made only when an issuer is created.
   */
  internal?: boolean;
  /** Longest validity in days; none: the issuer's certificate validity is the only bound. */
  maxValidityDays?: number;
  /** Added by an administrator (stored in the database, lib/profiles); never a CA profile. */
  custom?: boolean;
  /** id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1): relying parties need not check this responder's own status. */
  ocspNoCheck?: boolean;
}

const SERVER_KU = { ec: ["digitalSignature"], rsa: ["digitalSignature", "keyEncipherment"] } as const;

export const PROFILES: Readonly<Record<ProfileName, Profile>> = {
  server: {
    name: "server",
    description: "TLS server",
    isCa: false,
    keyUsage: SERVER_KU,
    extKeyUsage: ["serverAuth"],
    requiresSan: true,
    allowsSan: true,
  },
  client: {
    name: "client",
    description: "TLS client (device authentication)",
    isCa: false,
    // A TLS client only signs (CertificateVerify); it never receives an RSA-encrypted secret.
    keyUsage: { ec: ["digitalSignature"], rsa: ["digitalSignature"] },
    extKeyUsage: ["clientAuth"],
    requiresSan: false,
    allowsSan: true,
  },
  both: {
    name: "both",
    description: "TLS server and client",
    isCa: false,
    keyUsage: SERVER_KU,
    extKeyUsage: ["serverAuth", "clientAuth"],
    requiresSan: true,
    allowsSan: true,
  },
  proxy: {
    name: "proxy",
    description: "CA proxy (TLS client to upstreams, server to its clients)",
    isCa: false,
    keyUsage: SERVER_KU,
    extKeyUsage: ["clientAuth", "serverAuth"],
    // Upstreams authenticate the proxy by its chain and CN (the registered proxy's name); a SAN
    // is needed only when clients reach it over TLS by host name.
    requiresSan: false,
    allowsSan: true,
  },
  repository: {
    name: "repository",
    description: "TLS certificate of the revocation repository (a server certificate subject to the revocation number)",
    isCa: false,
    keyUsage: SERVER_KU,
    extKeyUsage: ["serverAuth", "rootlineRepository"],
    internal: true,
    requiresSan: true,
    allowsSan: true,
  },
  ocsp: {
    name: "ocsp",
    description: "delegated OCSP responder of its issuer (lib/ocsp/signer.ts): short-lived, key generated and sealed by Rootline",
    isCa: false,
    keyUsage: { ec: ["digitalSignature"], rsa: ["digitalSignature"] },
    extKeyUsage: ["OCSPSigning"],
    internal: true,
    requiresSan: false,
    allowsSan: false,
    maxValidityDays: 30,
    ocspNoCheck: true,
  },
  ca: {
    name: "ca",
    description: "certificate authority",
    isCa: true,
    keyUsage: { ec: ["keyCertSign", "cRLSign"], rsa: ["keyCertSign", "cRLSign"] },
    extKeyUsage: [],
    internal: true,
    requiresSan: false,
    allowsSan: false,
  },
};

/** Profiles a request may name; the internal ones are Rootline's own. */
export const REQUESTABLE_PROFILE_NAMES: readonly ProfileName[] = PROFILE_NAMES.filter((n) => !PROFILES[n].internal);

export function isBuiltInProfileName(s: unknown): s is ProfileName {
  return typeof s === "string" && (PROFILE_NAMES as readonly string[]).includes(s);
}

export function parseProfile(s: unknown, field = "profile", o: { internal?: boolean } = {}): Profile {
  if (typeof s === "string" && (PROFILE_NAMES as readonly string[]).includes(s)) {
    const p = PROFILES[s as ProfileName];
    if (p.internal && !o.internal) throw new InputError(field, `the ${p.name} profile is issued by Rootline itself only; expected one of ${REQUESTABLE_PROFILE_NAMES.join(", ")}`);
    return p;
  }
  throw new InputError(field, `unknown profile ${shown(s)}; expected one of ${(o.internal ? PROFILE_NAMES : REQUESTABLE_PROFILE_NAMES).join(", ")}`);
}

export function keyUsageFor(profile: Profile, keyType: KeyType): readonly KeyUsageName[] {
  return isEcKeyType(keyType) ? profile.keyUsage.ec : profile.keyUsage.rsa;
}
