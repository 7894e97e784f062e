import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { dataDir } from "../config";
import { registerKeyHolder } from "./holders";

/**
 * The master key seals every private key at rest (AES-256-GCM). It comes from
 * ROOTLINE_MASTER_KEY (32 bytes, base64 or hex) or from `<data dir>/master.key`,
 * created with mode 0600 on first use. ROOTLINE_PREVIOUS_MASTER_KEY is read during
 * a rotation (see docs/OPERATIONS.md) so keys sealed under it can still be opened.
 */
export interface MasterKey {
  id: Buffer; // 8 bytes: sha256(key)[0..8], stored with each sealed blob to find the key
  key: Buffer;
}

export class MasterKeyError extends Error {}

export function parseMasterKey(text: string, source: string): MasterKey {
  const t = text.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(t)) key = Buffer.from(t, "hex");
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) key = Buffer.from(t, "base64");
  if (!key || key.length !== 32) {
    throw new MasterKeyError(`${source}: the master key must be 32 bytes in hex (64 digits) or base64 (44 characters)`);
  }
  return { key, id: crypto.createHash("sha256").update(key).digest().subarray(0, 8) };
}

export function masterKeyFile(): string {
  return process.env.ROOTLINE_MASTER_KEY_FILE ?? path.join(dataDir(), "master.key");
}

/** Anyone who can read master.key can open every private key: say so when its mode allows that. */
function warnIfLoose(file: string): void {
  const mode = fs.statSync(file).mode & 0o777;
  if (mode & 0o077) console.warn(`rootline: warning: ${file} has mode ${mode.toString(8).padStart(4, "0")}; it should be 0600 (chmod 600 ${file})`);
}

function loadOrCreateFile(file: string): MasterKey {
  try {
    const key = parseMasterKey(fs.readFileSync(file, "utf8"), file);
    warnIfLoose(file);
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    // "wx": two processes starting at once must not each write a different key.
    fs.writeFileSync(file, crypto.randomBytes(32).toString("base64") + "\n", { flag: "wx", mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  return parseMasterKey(fs.readFileSync(file, "utf8"), file);
}

let cached: { current: MasterKey; previous?: MasterKey } | undefined;

export function masterKeys(): { current: MasterKey; previous?: MasterKey } {
  if (cached) return cached;
  const env = process.env.ROOTLINE_MASTER_KEY;
  const current = env ? parseMasterKey(env, "ROOTLINE_MASTER_KEY") : loadOrCreateFile(masterKeyFile());
  const prevEnv = process.env.ROOTLINE_PREVIOUS_MASTER_KEY;
  const previous = prevEnv ? parseMasterKey(prevEnv, "ROOTLINE_PREVIOUS_MASTER_KEY") : undefined;
  cached = { current, previous };
  registerKeyHolder();
  return cached;
}

/** Forget the loaded keys: the next use reads the environment and the key file again. */
export function reloadMasterKeys(): void {
  cached = undefined;
}

/** Tests change the environment; forget the loaded keys. */
export const resetMasterKeysForTests = reloadMasterKeys;
