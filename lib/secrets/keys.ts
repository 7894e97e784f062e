import { seal, unseal } from "./seal";

/** What each sealed private key is; bound into its seal with the row it belongs to. */
export const PURPOSE = {
  issuerKey: "rootline:issuer-private-key",
  certificateKey: "rootline:certificate-private-key",
  /** A rotation run's new root key, until the run finishes and it becomes the issuer's. */
  rotationKey: "rootline:rotation-new-root-key",
  /** A lineage's distribution key (SPEC 3): signs CA information only. */
  distributionKey: "rootline:lineage-distribution-key",
  /** An ACME External Account Binding HMAC key (lib/acme/eab.ts). */
  eabKey: "rootline:acme-eab-hmac-key",
} as const;

// Bindings use what is fixed when the key is sealed and never changes: an issuer's
// unique name, a certificate's (issuer, serial).
const issuerBinding = (name: string) => `issuer:${name}`;
const runBinding = (runId: string) => `rotation-run:${runId}`;
const lineageBinding = (name: string) => `lineage:${name}`;
const eabBinding = (keyId: string) => `acme-eab:${keyId}`;
const certificateBinding = (c: { issuerId: string; serial: bigint }) => `certificate:${c.issuerId}:${c.serial}`;

export function sealIssuerKey(pkcs8: Uint8Array, issuer: { name: string }): Uint8Array<ArrayBuffer> {
  return seal(pkcs8, PURPOSE.issuerKey, issuerBinding(issuer.name));
}

export function unsealIssuerKey(issuer: { name: string; sealedKey: Uint8Array }): Buffer {
  return unseal(issuer.sealedKey, PURPOSE.issuerKey, issuerBinding(issuer.name));
}

export function sealCertificateKey(pkcs8: Uint8Array, cert: { issuerId: string; serial: bigint }): Uint8Array<ArrayBuffer> {
  return seal(pkcs8, PURPOSE.certificateKey, certificateBinding(cert));
}

export function unsealCertificateKey(cert: { issuerId: string; serial: bigint; sealedKey: Uint8Array }): Buffer {
  return unseal(cert.sealedKey, PURPOSE.certificateKey, certificateBinding(cert));
}

export function sealRunKey(pkcs8: Uint8Array, run: { id: string }): Uint8Array<ArrayBuffer> {
  return seal(pkcs8, PURPOSE.rotationKey, runBinding(run.id));
}

export function unsealRunKey(run: { id: string; newKeySealed: Uint8Array }): Buffer {
  return unseal(run.newKeySealed, PURPOSE.rotationKey, runBinding(run.id));
}

export function sealDistributionKey(pkcs8: Uint8Array, lineage: { name: string }): Uint8Array<ArrayBuffer> {
  return seal(pkcs8, PURPOSE.distributionKey, lineageBinding(lineage.name));
}

export function unsealDistributionKey(lineage: { name: string; sealedDistributionKey: Uint8Array }): Buffer {
  return unseal(lineage.sealedDistributionKey, PURPOSE.distributionKey, lineageBinding(lineage.name));
}

export function sealEabKey(hmacKey: Uint8Array, key: { id: string }): Uint8Array<ArrayBuffer> {
  return seal(hmacKey, PURPOSE.eabKey, eabBinding(key.id));
}

export function unsealEabKey(key: { id: string; sealedKey: Uint8Array }): Buffer {
  return unseal(key.sealedKey, PURPOSE.eabKey, eabBinding(key.id));
}
