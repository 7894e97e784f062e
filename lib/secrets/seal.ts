import crypto from "node:crypto";
import { masterKeys, reloadMasterKeys, type MasterKey } from "./masterKey";

/**
 * Sealed blob layout:
 *   version (1) | key id (8) | IV (12) | GCM tag (16) | ciphertext
 * Associated data (authenticated, not stored):
 *   version 2: purpose "\n" binding — the binding names the row the blob belongs to
 *              ("issuer:<name>", "certificate:<issuer id>:<serial>"), so a blob copied to
 *              another row, or swapped between an issuer and a certificate, does not open;
 *   version 1: purpose only (older blobs; they still open, and `master-key rotate`
 *              re-seals them as version 2).
 */
const V1 = 0x01;
const V2 = 0x02;
const HEADER = 1 + 8 + 12 + 16;

export class SealError extends Error {}

function aad(version: number, purpose: string, binding: string): Buffer {
  return Buffer.from(version === V1 ? purpose : `${purpose}\n${binding}`, "utf8");
}

export function seal(plaintext: Uint8Array, purpose: string, binding: string, key: MasterKey = masterKeys().current): Uint8Array<ArrayBuffer> {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv("aes-256-gcm", key.key, iv);
  cipher.setAAD(aad(V2, purpose, binding));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  // A plain Uint8Array: what Prisma's Bytes fields take.
  return new Uint8Array(Buffer.concat([Buffer.from([V2]), key.id, iv, cipher.getAuthTag(), ct]));
}

export function sealedKeyId(blob: Uint8Array): Buffer {
  return Buffer.from(blob.subarray(1, 9));
}

/** True when the blob is sealed as `seal` seals today: current key, current format. */
export function isCurrentSeal(blob: Uint8Array): boolean {
  return blob[0] === V2 && sealedKeyId(blob).equals(masterKeys().current.id);
}

/** A blob under a key this process lacks may mean another process rotated it: re-read the key file once. */
function loadedKey(id: Buffer): MasterKey | undefined {
  const find = () => {
    const { current, previous } = masterKeys();
    return [current, previous].find((k): k is MasterKey => !!k && k.id.equals(id));
  };
  const key = find();
  if (key) return key;
  reloadMasterKeys();
  return find();
}

export function unseal(blob: Uint8Array, purpose: string, binding: string): Buffer {
  const b = Buffer.from(blob);
  if (b.length < HEADER || (b[0] !== V1 && b[0] !== V2)) throw new SealError("sealed data is malformed or of an unknown version");
  const id = b.subarray(1, 9);
  const key = loadedKey(id);
  if (!key) throw new SealError("sealed with a master key that is not loaded (set ROOTLINE_PREVIOUS_MASTER_KEY during a rotation)");
  const decipher = crypto.createDecipheriv("aes-256-gcm", key.key, b.subarray(9, 21));
  decipher.setAAD(aad(b[0], purpose, binding));
  decipher.setAuthTag(b.subarray(21, 37));
  try {
    return Buffer.concat([decipher.update(b.subarray(HEADER)), decipher.final()]);
  } catch {
    throw new SealError("sealed data failed authentication (tampered, wrong purpose, or moved from another row)");
  }
}
