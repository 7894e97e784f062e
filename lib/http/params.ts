import { InputError, NotFoundError } from "../errors";
import { MAX_STORED_SERIAL } from "../certificates/query";
import { serialFromDecimal } from "../pki/fingerprint";

/**
 * Dynamic route segments as Next.js hands them to route handlers and pages: already
 * percent-decoded once. Decoding them again turned "%25" into a URIError (a 500) and
 * "%2541" into "A". These check what arrived and never decode.
 */

/**
 * Unknown names are the database's to refuse (404); this keeps control characters and
 * absurd lengths out of queries and error messages (issuer names are at most 64 characters).
 */
const ISSUER_SEGMENT = /^[^/\u0000-\u001f\u007f]{1,200}$/u;

export function issuerParam(value: string): string {
  if (!ISSUER_SEGMENT.test(value)) throw new NotFoundError("issuer", `no issuer named ${JSON.stringify(value.slice(0, 80))}${value.length > 80 ? "…" : ""}`);
  return value;
}

/** A serial from a URL segment: decimal digits only (at most 20 octets, 49 digits). */
export function serialParam(value: string): bigint {
  if (value.length > 60) throw new InputError("serial", "the serial in the URL is too long to be a serial number");
  const serial = serialFromDecimal(value, "serial");
  // Valid for RFC 5280 but above what Rootline stores: no certificate can have it.
  if (serial > MAX_STORED_SERIAL) throw new NotFoundError("serial", `no certificate has serial ${serial} (Rootline's serials are below 2^63)`);
  return serial;
}
