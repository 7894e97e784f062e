import { InputError } from "../../errors";
import { derFromUpload } from "../../pki/pem";
import { keyTypeOfSpki } from "../../pki/keys";
import { trustedCaOf, type DeviceState, type TrustedCa } from "../state";
import { verifyDocument, type VerifiedCaInfo } from "./document";

/**
 * What a device following CA generations remembers (SPEC 3, seed 001): the
 * distribution public key built in at the factory, and two slots, each holding one
 * CA information document exactly as it was received and verified:
 *   current — the CA the device authenticates servers with, and the URL it polls;
 *   next    — the successor, fetched ahead of need, promoted when a server's
 *             certificate fails against current but verifies against it.
 * Values are immutable; every change returns a new state. Persistence: stateFile.ts.
 */

export interface Slot {
  info: VerifiedCaInfo;
  /** The slot's CA as the shared judge (lib/device/judge.ts) wants it; RN 0: generations do not use RNs. */
  ca: TrustedCa;
}

export interface GenerationsState {
  readonly distributionKeySpki: Uint8Array;
  readonly current: Slot;
  readonly next: Slot | null;
}

/** Verifies a document with the distribution key and makes a slot of it. */
export function slotOf(document: Uint8Array, distributionKeySpki: Uint8Array, field = "caInfo"): Slot {
  const info = verifyDocument(document, distributionKeySpki, field);
  return { info, ca: trustedCaOf(info.caCertDer, 0n, null, field) };
}

/** A DeviceState holding just this slot's CA, for judge.ts. */
export function trustOf(slot: Slot): DeviceState {
  return { cas: [slot.ca] };
}

export function parseDistributionKey(input: Uint8Array | string, field = "distributionKey"): Uint8Array {
  const spki = derFromUpload(input, ["PUBLIC KEY"], field);
  keyTypeOfSpki(spki, field); // throws InputError when it is not a supported public key
  return spki;
}

/** The factory step: CA information 1 (or whichever generation the device is built with) in current. */
export function initState(distributionKey: Uint8Array | string, document: Uint8Array): GenerationsState {
  const distributionKeySpki = parseDistributionKey(distributionKey);
  return { distributionKeySpki, current: slotOf(document, distributionKeySpki), next: null };
}

export const sameDocument = (a: Slot | null, b: Slot | null): boolean =>
  a !== null && b !== null && Buffer.from(a.info.bytes).equals(Buffer.from(b.info.bytes));

/** Stores a verified successor in next; the caller has checked it is current + 1. */
export function withNext(s: GenerationsState, next: Slot): GenerationsState {
  if (next.info.generation !== s.current.info.generation + 1) throw new Error(`refusing generation ${next.info.generation} as the successor of ${s.current.info.generation}`);
  return { ...s, next };
}

/** next becomes current; next is emptied. */
export function promote(s: GenerationsState): GenerationsState {
  if (!s.next) throw new Error("nothing to promote: next is empty");
  return { ...s, current: s.next, next: null };
}

export function assertConsistent(s: GenerationsState, field = "state"): void {
  if (s.next && s.next.info.generation !== s.current.info.generation + 1) {
    throw new InputError(field, `next holds generation ${s.next.info.generation}, which does not follow current generation ${s.current.info.generation}`);
  }
  if (s.next && s.next.info.lineage !== s.current.info.lineage) throw new InputError(field, `next belongs to lineage "${s.next.info.lineage}", current to "${s.current.info.lineage}"`);
}
