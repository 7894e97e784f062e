import crypto from "node:crypto";
import type { Tx } from "../db";
import { deriveKey, loadedMasterKey } from "../secrets/derive";
import { MasterKeyError, masterKeys, reloadMasterKeys, type MasterKey } from "../secrets/masterKey";

/**
 * The hash chain proves the entries are linked; it cannot prove none were cut off the
 * end, nor that the whole log was not rewritten and re-hashed. The anchor does: the
 * head's (seq, hash), MACed with a key derived from the master key, which is not in the
 * database. It moves forward in the transaction of every append; every 1000th entry also
 * gets a checkpoint row. Restoring the whole database from an older copy is not detected
 * (it is a consistent past state); anything less is.
 */
export const CHECKPOINT_EVERY = 1000;
const LABEL = "rootline:audit-anchor";

export interface Anchor {
  seq: number;
  hash: string;
  keyId: string;
  mac: string;
}

// Derived once per master key: appends MAC on every transaction.
const macKeys = new Map<string, Buffer>();

export function anchorMac(key: MasterKey, kind: "head" | "checkpoint", seq: number, hash: string): string {
  const id = key.id.toString("hex");
  let macKey = macKeys.get(id);
  if (!macKey) macKeys.set(id, (macKey = deriveKey(key, LABEL)));
  return crypto.createHmac("sha256", macKey).update(`rootline-audit-${kind}\n${seq}\n${hash}`).digest("hex");
}

export function signAnchor(kind: "head" | "checkpoint", seq: number, hash: string, key = masterKeys().current): Anchor {
  return { seq, hash, keyId: key.id.toString("hex"), mac: anchorMac(key, kind, seq, hash) };
}

export type MacCheck = "ok" | "bad" | "key-not-loaded";

export function checkMac(kind: "head" | "checkpoint", a: Anchor): MacCheck {
  const key = loadedMasterKey(a.keyId);
  if (!key) return "key-not-loaded";
  const want = Buffer.from(anchorMac(key, kind, a.seq, a.hash), "hex");
  const got = Buffer.from(a.mac, "hex");
  return got.length === want.length && crypto.timingSafeEqual(got, want) ? "ok" : "bad";
}

/**
 * The anchor was MACed under a master key this process does not hold: another process
 * rotated the master key. Re-read the key (a key file may have been replaced); if that
 * does not bring the anchor's key, this process must not write with a stale key.
 */
export function requireAnchorKey(a: Anchor): void {
  if (loadedMasterKey(a.keyId)) return;
  reloadMasterKeys();
  if (loadedMasterKey(a.keyId)) return;
  throw new MasterKeyError(
    `the audit log is anchored with master key ${a.keyId}, which this process does not hold (current ${masterKeys().current.id.toString("hex")}): the master key was rotated; restart this process with the new key`,
  );
}

export async function readAnchor(tx: Tx): Promise<Anchor | null> {
  return tx.auditAnchor.findUnique({ where: { id: 1 }, select: { seq: true, hash: true, keyId: true, mac: true } });
}

/** `exists`: whether the row is there (the caller read it); an upsert costs Prisma two queries. */
export async function writeAnchor(tx: Tx, a: Anchor, exists: boolean): Promise<void> {
  const data = { ...a, at: new Date() };
  if (exists) await tx.auditAnchor.update({ where: { id: 1 }, data });
  else await tx.auditAnchor.create({ data: { id: 1, ...data } });
}

/**
 * Master-key rotation: re-MAC the anchor and the checkpoints with the new key. Only MACs
 * that verify under their old key are renewed; a forged one stays forged.
 */
export async function remacAnchors(tx: Tx): Promise<{ anchor: boolean; checkpoints: number }> {
  const current = masterKeys().current;
  const currentId = current.id.toString("hex");
  let anchor = false;
  const head = await readAnchor(tx);
  if (head && head.keyId !== currentId && checkMac("head", head) === "ok") {
    await writeAnchor(tx, signAnchor("head", head.seq, head.hash, current), true);
    anchor = true;
  }
  let checkpoints = 0;
  for (const cp of await tx.auditCheckpoint.findMany({ where: { keyId: { not: currentId } } })) {
    if (checkMac("checkpoint", cp) !== "ok") continue;
    const { keyId, mac } = signAnchor("checkpoint", cp.seq, cp.hash, current);
    await tx.auditCheckpoint.update({ where: { seq: cp.seq }, data: { keyId, mac } });
    checkpoints++;
  }
  return { anchor, checkpoints };
}
