import { InputError } from "../errors";
import { readCappedBody } from "../http/body";

/** A PKCS#10 request in base64 is a few KiB; the cap of every PEM/DER upload. */
const MAX_CSR_BYTES = 64 * 1024;

/**
 * The CSR of simpleenroll/simplereenroll (RFC 7030 §4.2.1): `Content-Type:
 * application/pkcs10` (415 otherwise), at most 64 KiB (413), base64 of the DER with any
 * whitespace (400 naming the field `csr` otherwise). Returns the DER.
 */
export async function readCsrBody(request: Request): Promise<Uint8Array> {
  const text = await readCappedBody(request, "application/pkcs10", MAX_CSR_BYTES);
  const compact = text.replace(/\s+/g, "");
  if (compact.startsWith("-----BEGIN")) throw new InputError("csr", "send the DER in base64, without PEM armour (openssl req -outform DER | base64)");
  if (compact === "") throw new InputError("csr", "the body is empty: send the base64 of the CSR's DER");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length % 4 === 1) throw new InputError("csr", "the body is not base64 (RFC 4648 alphabet; line breaks are fine)");
  const der = new Uint8Array(Buffer.from(compact, "base64"));
  // Else lib/pki would take the bytes for PEM text and say so, which is not what was sent.
  if (der[0] !== 0x30) throw new InputError("csr", "the CSR is malformed: the base64 does not decode to DER (a PKCS#10 request is a SEQUENCE)");
  return der;
}
