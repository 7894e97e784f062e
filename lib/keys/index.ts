import crypto from "node:crypto";
import { InputError } from "../errors";
import { parseCertificateDer } from "../pki/certificate";
import type { IssuerSignerOptions } from "../pki/issue";
import { toKeyObject, type KeyType } from "../pki/keys";
import { signWith } from "../pki/signature";
import { sealDistributionKey, sealIssuerKey, unsealDistributionKey, unsealIssuerKey, unsealRunKey } from "../secrets/keys";
import { pkcs11Config } from "./config";
import { pkcs11Keys, tokenKey, type TokenKey } from "./pkcs11";
import { softwareKeys } from "./software";
import { KEY_STORAGES, type GeneratedKey, type IssuerKeyColumns, type KeyStorage, type KeyStore } from "./types";

export { KEY_STORAGES, KEY_STORAGE_LABELS, type KeyStorage, type GeneratedKey, type IssuerKeyColumns } from "./types";
export { pkcs11Configured } from "./config";

export function keyStore(storage: KeyStorage): KeyStore {
  return storage === "pkcs11" ? pkcs11Keys : softwareKeys;
}

export function parseKeyStorage(v: unknown, field = "keyStorage"): KeyStorage {
  if (v === undefined || v === null || v === "") return "software";
  if (typeof v === "string" && (KEY_STORAGES as readonly string[]).includes(v)) return v as KeyStorage;
  throw new InputError(field, `key storage must be one of ${KEY_STORAGES.join(", ")}`);
}

export const isTokenKey = (issuer: { keyStorage?: string | null }): boolean => issuer.keyStorage === "pkcs11";

/**
 * The issuer's key as createIssuerSigner takes it, wherever it lives: every signature
 * made with an issuer's key gets its key here (lib/certificates/signers.ts, intermediates).
 */
export function issuerSigningKey(issuer: IssuerKeyColumns & { certificateDer: Uint8Array }): Pick<IssuerSignerOptions, "privateKey" | "externalKey"> {
  const storage = isTokenKey(issuer) ? "pkcs11" : "software";
  return keyStore(storage).signingKey(issuer, parseCertificateDer(issuer.certificateDer, "certificate").spki);
}

/** Refuses what makes no sense for a key that never leaves its token (export, master-key re-sealing, …). */
export function refuseTokenKey(issuer: { name: string; keyStorage?: string | null }, what: string, field = "issuer"): void {
  if (isTokenKey(issuer)) throw new InputError(field, `the key of "${issuer.name}" is in a PKCS#11 token and never leaves it: ${what}`);
}

// ---------------------------------------------------------------- root-key rotation runs

/** The issuer's root key for a rotation run: what signs the distribution certificate (key) and the run's requests (jws). */
export function issuerRootKey(issuer: IssuerKeyColumns & { certificateDer: Uint8Array }): { key: Buffer | TokenKey; jws: crypto.KeyObject | TokenKey } {
  if (isTokenKey(issuer)) {
    const k = tokenKey(issuer, parseCertificateDer(issuer.certificateDer, "certificate").spki);
    return { key: k, jws: k };
  }
  const pkcs8 = unsealIssuerKey(issuer);
  return { key: pkcs8, jws: crypto.createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" }) };
}

/**
 * A token issuer's next root key lives in its token under this label while the run is
 * unfinished (RotationRun.newKeySealed is then empty) and after, as the issuer's key.
 */
const runKeyRef = (runId: string) => JSON.stringify({ tokenLabel: pkcs11Config().tokenLabel, label: `rotation-run:${runId}`, id: "" });

/** Generates a token issuer's next root key in the token. */
export async function generateRunKey(keyType: KeyType, runId: string): Promise<GeneratedKey & { key: TokenKey }> {
  return (await pkcs11Keys.generate(keyType, `rotation-run:${runId}`)) as GeneratedKey & { key: TokenKey };
}

/** An unfinished run's new root key: unsealed, or in the token. */
export function runNewKey(run: { id: string; newKeySealed: Uint8Array; newRootDer: Uint8Array }, issuer: { name: string; keyType: string; keyStorage?: string | null }): crypto.KeyObject | TokenKey {
  if (isTokenKey(issuer)) return tokenKey({ name: `${issuer.name} (rotation run ${run.id})`, keyType: issuer.keyType, keyRef: runKeyRef(run.id), sealedKey: run.newKeySealed }, parseCertificateDer(run.newRootDer, "newRoot").spki);
  return crypto.createPrivateKey({ key: unsealRunKey(run), format: "der", type: "pkcs8" });
}

/** What the issuer row stores once a run's new root becomes its key. */
export function runKeyColumns(run: { id: string; newKeySealed: Uint8Array }, issuer: { name: string; keyStorage?: string | null; keyRef?: string | null }): { sealedKey: Uint8Array<ArrayBuffer>; keyRef: string | null } {
  if (isTokenKey(issuer)) return { sealedKey: new Uint8Array(0), keyRef: runKeyRef(run.id) };
  return { sealedKey: sealIssuerKey(unsealRunKey(run), issuer), keyRef: null };
}

// ---------------------------------------------------------------- lineages' distribution keys

/** The lineage columns that say where its distribution key is. */
export interface LineageKeyColumns {
  name: string;
  distributionKeyType: string;
  distributionSpki: Uint8Array;
  keyStorage?: string | null;
  distributionKeyRef?: string | null;
  sealedDistributionKey: Uint8Array;
}

/**
 * A new lineage's distribution key, kept where its generations' CA keys are kept: a token
 * lineage has every key that signs for it in the token. Returns the columns to store.
 */
export async function generateDistributionKey(storage: KeyStorage, keyType: KeyType, lineage: string): Promise<{ spki: Uint8Array; keyRef: string | null; sealedDistributionKey: Uint8Array<ArrayBuffer> }> {
  const k = await keyStore(storage).generate(keyType, `distribution:${lineage}`);
  return { spki: k.spki, keyRef: k.keyRef, sealedDistributionKey: k.pkcs8 ? sealDistributionKey(k.pkcs8, { name: lineage }) : new Uint8Array(0) };
}

/** What signs a lineage's CA information: the unsealed key, or the key in the token (checked against distributionSpki). */
export function lineageDistributionKey(lineage: LineageKeyColumns): { spki: Uint8Array; sign(data: Uint8Array): Promise<Uint8Array> } {
  const spki = lineage.distributionSpki;
  if (isTokenKey(lineage)) {
    const k = tokenKey({ name: lineage.name, owner: `lineage "${lineage.name}" (distribution key)`, keyType: lineage.distributionKeyType, keyRef: lineage.distributionKeyRef, sealedKey: lineage.sealedDistributionKey }, spki);
    return { spki, sign: (data) => k.sign(data) };
  }
  const key = toKeyObject(unsealDistributionKey(lineage), "distributionKey");
  return { spki, sign: async (data) => signWith(key, lineage.distributionKeyType as KeyType, data) };
}
