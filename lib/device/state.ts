import { parseCertificate, type Certificate } from "../pki/certificate";
import { InputError } from "../errors";
import { spkiSha256Hex } from "../pki/keys";
import { issuerNameProblem } from "../revocation-info/infoDer";

/**
 * What a device (the "terminal" of seed 000) remembers: the CA certificates it trusts
 * and, per CA, the revocation number (default 0, never decreasing). Values are
 * immutable; every change returns a new state. Persistence: stateFile.ts.
 */

export interface TrustedCa {
  certificate: Certificate;
  /** SHA-256 of the CA's SubjectPublicKeyInfo, lower-case hex: how revocation information names its CA. */
  keySha256: string;
  revocationNumber: bigint;
  /**
   * The CA's issuer name in Rootline (the `{issuer}` of repository URLs), when known:
   * given at trust time or learned from verified, signed revocation information. The
   * second form uses it to refuse applying one issuer's RN to another CA.
   */
  issuerName: string | null;
}

export interface DeviceState {
  readonly cas: readonly TrustedCa[];
}

export function emptyState(): DeviceState {
  return { cas: [] };
}

export interface TrustResult {
  state: DeviceState;
  ca: TrustedCa;
  /** "added": new CA; "unchanged": already trusted; "replaced": same key, new certificate (RN kept). */
  change: "added" | "unchanged" | "replaced";
}

/** A trusted CA built from certificate bytes (used by trust and by the state file reader). */
export function trustedCaOf(certDer: Uint8Array | string, revocationNumber = 0n, issuerName: string | null = null, field = "caCertificate"): TrustedCa {
  const certificate = parseCertificate(certDer, field);
  if (!certificate.isCa) throw new InputError(field, "not a CA certificate (basicConstraints CA:TRUE is missing)");
  if (!certificate.keyType) throw new InputError(field, "the CA key type is not supported");
  if (revocationNumber < 0n) throw new InputError(field, "revocation numbers are not negative");
  if (issuerName !== null) {
    const p = issuerNameProblem(issuerName);
    if (p) throw new InputError("issuer", p);
  }
  return { certificate, keySha256: spkiSha256Hex(certificate.spki), revocationNumber, issuerName };
}

/**
 * Installs a trusted CA certificate (PEM or DER) with RN 0. Idempotent. A certificate
 * with the key of a CA already trusted replaces that CA's certificate (a re-issued CA
 * certificate) and keeps its RN, since the RN belongs to the key that signs.
 */
export function trust(state: DeviceState, caCert: Uint8Array | string, issuerName: string | null = null): TrustResult {
  const fresh = trustedCaOf(caCert, 0n, issuerName);
  const i = state.cas.findIndex((c) => c.keySha256 === fresh.keySha256);
  if (i < 0) return { state: { cas: [...state.cas, fresh] }, ca: fresh, change: "added" };
  const old = state.cas[i];
  const sameCert = Buffer.from(old.certificate.der).equals(Buffer.from(fresh.certificate.der));
  if (issuerName !== null && old.issuerName !== null && old.issuerName !== issuerName) {
    throw new InputError("issuer", `this CA is already trusted as issuer "${old.issuerName}"`);
  }
  const ca: TrustedCa = { ...old, certificate: fresh.certificate, issuerName: issuerName ?? old.issuerName };
  if (sameCert && ca.issuerName === old.issuerName) return { state, ca: old, change: "unchanged" };
  return { state: replaceCa(state, old, ca), ca, change: sameCert ? "unchanged" : "replaced" };
}

export function findCaByKey(state: DeviceState, keySha256: string): TrustedCa | undefined {
  return state.cas.find((c) => c.keySha256 === keySha256);
}

/** CAs whose subject Name is byte-for-byte the given issuer Name (how firmware matches). */
export function findCasByName(state: DeviceState, issuerDer: Uint8Array): TrustedCa[] {
  const want = Buffer.from(issuerDer);
  return state.cas.filter((c) => want.equals(Buffer.from(c.certificate.subjectDer)));
}

function replaceCa(state: DeviceState, old: TrustedCa, next: TrustedCa): DeviceState {
  return { cas: state.cas.map((c) => (c === old ? next : c)) };
}

/**
 * Stores a larger RN for a CA (and, optionally, the issuer name learned with it). The
 * update rules decide; this only refuses to go backwards, as a last line of defence.
 */
export function raiseRevocationNumber(state: DeviceState, keySha256: string, rn: bigint, issuerName?: string): DeviceState {
  const old = findCaByKey(state, keySha256);
  if (!old) throw new Error(`no trusted CA with key ${keySha256}`);
  if (rn <= old.revocationNumber) throw new Error(`refusing to lower or repeat the revocation number (${old.revocationNumber} → ${rn})`);
  return replaceCa(state, old, { ...old, revocationNumber: rn, issuerName: issuerName ?? old.issuerName });
}

/** Records the issuer name that verified, signed revocation information gave for a CA. */
export function learnIssuerName(state: DeviceState, keySha256: string, issuerName: string): DeviceState {
  const old = findCaByKey(state, keySha256);
  if (!old || old.issuerName === issuerName) return state;
  return replaceCa(state, old, { ...old, issuerName });
}
