import { ctx, explicit, integer, oid, seq, set, tlvOf } from "../pki/der";

/**
 * EST's answers carry certificates as a CMS "certs-only" message (RFC 7030 §4.1.3, §4.2.3):
 * a degenerate SignedData (RFC 5652 §5, RFC 8551 §3.2.2) — no content, no signers, just the
 * certificates — written with lib/pki's DER writer as PKCS#12 is. Bodies are base64, in
 * lines of 64 characters ending with LF: `base64 -d` and `openssl base64 -d` both read
 * that (coreutils refuses CR, OpenSSL needs line breaks).
 */
const SIGNED_DATA = "1.2.840.113549.1.7.2";
const DATA = "1.2.840.113549.1.7.1";

/** ContentInfo { signedData, SignedData { version 1, digestAlgorithms {}, { data }, [0] certificates, signerInfos {} } }. */
export function certsOnly(certificates: readonly Uint8Array[]): Uint8Array {
  // Kept in the given order (leaf first, then up to the root): CMS is BER, so the SET OF
  // need not be sorted, and readers (OpenSSL, libest) list them as sent.
  const signedData = seq(integer(1), set(), seq(oid(DATA)), tlvOf(ctx(0), certificates), set());
  return new Uint8Array(seq(oid(SIGNED_DATA), explicit(0, signedData)));
}

/** Base64 in 64-character lines, each ending with LF (RFC 7030's examples, minus CR). */
export function base64Lines(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString("base64");
  return (b64.match(/.{1,64}/g) ?? []).join("\n") + "\n";
}
