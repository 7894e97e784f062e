import { pointersFor } from "../issuers/publicUrl";
import { createIssuerSigner, type IssuerSigner } from "../pki/issue";
import type { KeyType } from "../pki/keys";
import { unsealIssuerKey } from "../secrets/keys";

/**
 * Unsealing an issuer key and preparing its signer costs more than one signature,
 * so signers are kept per issuer (keyed by the CA certificate too: a re-imported or
 * renewed CA gets a fresh signer). The keys stay in this server process only.
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
  /** Issuer.publicUrl: when set, issued certificates point at this issuer's CRL and certificate. */
  publicUrl?: string | null;
}

export function signerFor(issuer: SignerSource): IssuerSigner {
  const key = `${issuer.id}|${issuer.publicUrl ?? ""}`;
  const hit = cache.get(key);
  const certDer = Buffer.from(issuer.certificateDer);
  if (hit && hit.certDer.equals(certDer)) return hit.signer;
  const signer = createIssuerSigner({ certDer, privateKey: unsealIssuerKey(issuer), keyType: issuer.keyType as KeyType, ...pointersFor(issuer.name, issuer.publicUrl) });
  cache.set(key, { certDer, signer });
  return signer;
}
