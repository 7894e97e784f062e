import nodeCrypto from "node:crypto";
import { InputError } from "../errors";

/** Fingerprints and serial-number text forms. */

export function sha256Hex(der: Uint8Array): string {
  return nodeCrypto.createHash("sha256").update(der).digest("hex");
}

export function sha1Hex(der: Uint8Array): string {
  return nodeCrypto.createHash("sha1").update(der).digest("hex");
}

/** "ab01cd" → "AB:01:CD" (how OpenSSL and browsers show fingerprints). */
export function colonHex(hex: string): string {
  return (hex.toUpperCase().match(/../g) ?? []).join(":");
}

/** Serial as even-length upper-case hex, as `openssl x509 -serial` prints it ("01", "80", "0100"). */
export function serialToHex(serial: bigint): string {
  if (serial < 0n) throw new RangeError("serial numbers are not negative");
  const h = serial.toString(16).toUpperCase();
  return h.length % 2 ? "0" + h : h;
}

/** Serial as colon hex ("01:00"), the form shown on a certificate detail page. */
export function serialToColonHex(serial: bigint): string {
  if (serial < 0n) return "-" + colonHex(serialToHex(-serial));
  return colonHex(serialToHex(serial));
}

/**
 * Parses a serial typed by a user: hex with optional "0x" prefix and colons
 * ("01:00", "0x100", "100"). Must be positive and fit in 20 octets (RFC 5280).
 */
export function serialFromHex(s: string, field = "serial"): bigint {
  const t = typeof s === "string" ? s.trim().replace(/^0x/i, "") : "";
  if (!/^[0-9a-fA-F]{1,2}(:?[0-9a-fA-F]{2})*$/.test(t) && !/^[0-9a-fA-F]+$/.test(t)) {
    throw new InputError(field, `"${s}" is not a hexadecimal serial number`);
  }
  const v = BigInt("0x" + t.replace(/:/g, ""));
  checkSerial(v, field);
  return v;
}

/** Parses a decimal serial ("4711"). */
export function serialFromDecimal(s: string, field = "serial"): bigint {
  const t = typeof s === "string" ? s.trim() : "";
  if (!/^[0-9]+$/.test(t)) throw new InputError(field, `"${s}" is not a decimal serial number`);
  const v = BigInt(t);
  checkSerial(v, field);
  return v;
}

/** 2^159: the smallest value whose positive DER INTEGER needs 21 octets. */
export const MAX_SERIAL_EXCLUSIVE = 1n << 159n;

/** RFC 5280 §4.1.2.2: positive, at most 20 octets. */
export function checkSerial(serial: unknown, field = "serial"): bigint {
  if (typeof serial !== "bigint") throw new InputError(field, "the serial number must be a bigint");
  if (serial <= 0n) throw new InputError(field, `the serial number must be positive, got ${serial}`);
  if (serial >= MAX_SERIAL_EXCLUSIVE) throw new InputError(field, "the serial number is longer than 20 octets");
  return serial;
}
