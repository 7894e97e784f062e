import crypto from "node:crypto";
import { masterKeys, type MasterKey } from "./masterKey";

/**
 * Keys for other jobs than sealing, derived from the master key (HKDF-SHA256 with a
 * purpose label), so they live outside the database like the master key itself and
 * change when it is rotated.
 */
export function deriveKey(master: MasterKey, label: string): Buffer {
  return Buffer.from(crypto.hkdfSync("sha256", master.key, Buffer.alloc(0), Buffer.from(label, "utf8"), 32));
}

/** The loaded master key (current or previous) with this hex id, if any. */
export function loadedMasterKey(idHex: string): MasterKey | undefined {
  const { current, previous } = masterKeys();
  return [current, previous].find((k): k is MasterKey => !!k && k.id.toString("hex") === idHex);
}
