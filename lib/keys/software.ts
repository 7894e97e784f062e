import { exportPkcs8, exportSpki, generateKeyPair, toKeyObject, type KeyType } from "../pki/keys";
import { signWith } from "../pki/signature";
import { unsealIssuerKey } from "../secrets/keys";
import type { KeyStore } from "./types";

/** A CA key in this process's memory, sealed at rest with the master key (Issuer.sealedKey). */
export const softwareKeys: KeyStore = {
  storage: "software",
  async generate(keyType: KeyType) {
    const pair = await generateKeyPair(keyType);
    const pkcs8 = await exportPkcs8(pair.privateKey);
    const key = toKeyObject(pkcs8);
    return { keyType, spki: await exportSpki(pair.publicKey), pkcs8, keyRef: null, key: { sign: async (data: Uint8Array) => signWith(key, keyType, data) } };
  },
  signingKey(issuer) {
    return { privateKey: unsealIssuerKey(issuer) };
  },
};
