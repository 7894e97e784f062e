import { pointersFor } from "../issuers/publicUrl";
import { issuerSigningKey } from "../keys";
import { createIssuerSigner, type IssuerSigner } from "../pki/issue";
import type { KeyType } from "../pki/keys";

/**
 * Unsealing an issuer key and preparing its signer costs more than one signature,
 * so signers are kept per issuer (keyed by the CA certificate too: a re-imported or
 * renewed CA gets a fresh signer). The keys stay in this server process only, or in
 * the PKCS#11 token (keyStorage "pkcs11": only the async methods, issueAsync and
 * signAsync, sign with those; they work for every issuer, so new code uses them).
 * The public URL is part of the key: certificates carry CDP/AIA pointers built from it,
 * while CRL signing (which passes none) shares nothing with them.
 */
const cache = new Map<string, { certDer: Buffer; signer: IssuerSigner }>();

export interface SignerSource {
  id: string;
  name: string;
  keyType: string;
  certificateDer: Uint8Array;
  sealedKey: Uint8Array;
  /** Issuer.keyStorage and keyRef: select them, or a token issuer's key cannot be found. */
  keyStorage?: string;
  keyRef?: string | null;
  /** Issuer.publicUrl: when set, issued certificates point at this issuer's CRL and certificate. */
  publicUrl?: string | null;
}

/** The columns signerFor reads (spread into a Prisma select). */
export const SIGNER_COLUMNS = { id: true, name: true, keyType: true, certificateDer: true, sealedKey: true, keyStorage: true, keyRef: true, publicUrl: true } as const;

export function signerFor(issuer: SignerSource): IssuerSigner {
  // A token issuer's sealedKey is empty: without keyStorage the caller forgot to select it.
  if (issuer.keyStorage === undefined && issuer.sealedKey.length === 0) throw new Error(`signerFor("${issuer.name}"): select keyStorage and keyRef (SIGNER_COLUMNS); its key is in a PKCS#11 token`);
  const key = `${issuer.id}|${issuer.publicUrl ?? ""}`;
  const hit = cache.get(key);
  const certDer = Buffer.from(issuer.certificateDer);
  if (hit && hit.certDer.equals(certDer)) return hit.signer;
  const signer = createIssuerSigner({ certDer, ...issuerSigningKey(issuer), keyType: issuer.keyType as KeyType, ...pointersFor(issuer.name, issuer.publicUrl) });
  cache.set(key, { certDer, signer });
  return signer;
}
