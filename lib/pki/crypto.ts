/**
 * The one place that prepares @peculiar/x509 for use. Every other pki module imports
 * this file first, so the order of imports elsewhere cannot break it:
 * - @peculiar/x509 resolves its services through tsyringe, which needs the
 *   reflect-metadata polyfill loaded exactly once before any x509 class is touched;
 * - x509 must sign/verify with Node's WebCrypto (globalThis.crypto), not a polyfill.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(globalThis.crypto);

export { x509 };
export const subtle: SubtleCrypto = globalThis.crypto.subtle;
