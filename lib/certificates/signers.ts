import { createIssuerSigner, type IssuerSigner } from "../pki/issue";
import type { KeyType } from "../pki/keys";
import { unsealIssuerKey } from "../secrets/keys";

/**
 * Unsealing an issuer key and preparing its signer costs more than one signature,
 * so signers are kept per issuer (keyed by the CA certificate too: a re-imported or
 * renewed CA gets a fresh signer). The keys stay in this server process only.
 */
const cache = new Map<string, { certDer: Buffer; signer: IssuerSigner }>();

export interface SignerSource {
  id: string;
  name: string;
  keyType: string;
  certificateDer: Uint8Array;
  sealedKey: Uint8Array;
}

export function signerFor(issuer: SignerSource): IssuerSigner {
  const hit = cache.get(issuer.id);
  const certDer = Buffer.from(issuer.certificateDer);
  if (hit && hit.certDer.equals(certDer)) return hit.signer;
  const signer = createIssuerSigner({ certDer, privateKey: unsealIssuerKey(issuer), keyType: issuer.keyType as KeyType });
  cache.set(issuer.id, { certDer, signer });
  return signer;
}
