/**
 * @peculiar/x509, an implementation independent of lib/pki, for tests and benchmarks: it
 * makes CSRs and certificates our parsers did not write, and cross-checks what we sign.
 * Rootline's own code never imports it. This is the one place that prepares it:
 * - @peculiar/x509 resolves its services through tsyringe, which needs the
 *   reflect-metadata polyfill loaded exactly once before any x509 class is touched;
 * - x509 must sign/verify with Node's WebCrypto (globalThis.crypto), not a polyfill.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(globalThis.crypto);

export { x509 };
