import crypto from "node:crypto";
import { masterKeys, type MasterKey } from "./masterKey";

/**
 * Sealed blob layout (version 1):
 *   0x01 | key id (8) | IV (12) | GCM tag (16) | ciphertext
 * The purpose string is bound as additional authenticated data so a sealed issuer key
 * cannot be swapped in where a certificate key is expected.
 */
const VERSION = 0x01;
const HEADER = 1 + 8 + 12 + 16;

export class SealError extends Error {}

export function seal(plaintext: Uint8Array, purpose: string, key: MasterKey = masterKeys().current): Uint8Array<ArrayBuffer> {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv("aes-256-gcm", key.key, iv);
  cipher.setAAD(Buffer.from(purpose, "utf8"));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  // A plain Uint8Array: what Prisma's Bytes fields take.
  return new Uint8Array(Buffer.concat([Buffer.from([VERSION]), key.id, iv, cipher.getAuthTag(), ct]));
}

export function sealedKeyId(blob: Uint8Array): Buffer {
  return Buffer.from(blob.subarray(1, 9));
}

export function unseal(blob: Uint8Array, purpose: string): Buffer {
  const b = Buffer.from(blob);
  if (b.length < HEADER || b[0] !== VERSION) throw new SealError("sealed data is malformed or of an unknown version");
  const id = b.subarray(1, 9);
  const { current, previous } = masterKeys();
  const key = [current, previous].find((k) => k && k.id.equals(id));
  if (!key) throw new SealError("sealed with a master key that is not loaded (set ROOTLINE_PREVIOUS_MASTER_KEY during a rotation)");
  const decipher = crypto.createDecipheriv("aes-256-gcm", key.key, b.subarray(9, 21));
  decipher.setAAD(Buffer.from(purpose, "utf8"));
  decipher.setAuthTag(b.subarray(21, 37));
  try {
    return Buffer.concat([decipher.update(b.subarray(HEADER)), decipher.final()]);
  } catch {
    throw new SealError("sealed data failed authentication (tampered, or wrong purpose)");
  }
}
