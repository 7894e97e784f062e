import type { ExternalKey } from "../pki/issue";
import type { KeyType } from "../pki/keys";

/** Where an issuer's private key lives (Issuer.keyStorage). */
export const KEY_STORAGES = ["software", "pkcs11"] as const;
export type KeyStorage = (typeof KEY_STORAGES)[number];

export const KEY_STORAGE_LABELS: Record<KeyStorage, string> = {
  software: "Software (sealed with the master key)",
  pkcs11: "Hardware token (PKCS#11)",
};

/** A new CA key: its public key, something that signs with it, and what the issuer row stores. */
export interface GeneratedKey {
  keyType: KeyType;
  spki: Uint8Array;
  key: ExternalKey;
  /** software: the PKCS#8 to seal; pkcs11: none (the key never leaves the token). */
  pkcs8: Uint8Array | null;
  /** pkcs11: JSON locating the key in the token (Issuer.keyRef). */
  keyRef: string | null;
}

/** The issuer columns that say where its key is. */
export interface IssuerKeyColumns {
  name: string;
  keyType: string;
  keyStorage?: string | null;
  keyRef?: string | null;
  sealedKey: Uint8Array;
}

/** One interface, two places a CA key can live (lib/keys/software.ts, lib/keys/pkcs11.ts). */
export interface KeyStore {
  readonly storage: KeyStorage;
  /** Generates a CA key pair; `label` names it where the store has names (the issuer's name). */
  generate(keyType: KeyType, label: string): Promise<GeneratedKey>;
  /**
   * What createIssuerSigner needs to sign with the issuer's key: the unsealed key, or a
   * key in the token (checked against `certificateSpki` before its first signature).
   */
  signingKey(issuer: IssuerKeyColumns, certificateSpki: Uint8Array): { privateKey: Buffer } | { externalKey: ExternalKey };
}
