import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";

/**
 * What a standard-protocol handler (ACME, EST, OCSP) knows about its request beyond the
 * request itself. Only server.ts's listeners build it, from the socket: a client cannot
 * forge any of it with headers.
 */
export interface ProtocolContext {
  /** scheme://host[:port] as the client reached this listener, for absolute URLs (ACME). */
  baseUrl: string;
  /** The TCP peer's address. */
  remoteAddress: string;
  /** True on the HTTPS listener. */
  secure: boolean;
  /**
   * The certificate (DER) the client presented in this connection's TLS handshake, whose
   * key the handshake proved it holds; null on plain HTTP or when none was presented. Its
   * chain is NOT verified by the listener: the handler checks it against the issuer.
   */
  clientCertificateDer: Uint8Array | null;
}

export type ProtocolHandler = (request: Request, ctx: ProtocolContext) => Promise<Response>;

function isTls(req: IncomingMessage): boolean {
  return (req.socket as Partial<TLSSocket>).encrypted === true;
}

export function protocolContext(req: IncomingMessage): ProtocolContext {
  const secure = isTls(req);
  let clientCertificateDer: Uint8Array | null = null;
  if (secure) {
    const peer = (req.socket as TLSSocket).getPeerCertificate?.(false);
    if (peer && peer.raw && peer.raw.length > 0) clientCertificateDer = new Uint8Array(peer.raw);
  }
  return {
    baseUrl: `${secure ? "https" : "http"}://${req.headers.host ?? "localhost"}`,
    remoteAddress: req.socket.remoteAddress ?? "unknown",
    secure,
    clientCertificateDer,
  };
}

/**
 * Loaded handlers: a dynamic import() per request costs ~0.2 ms under tsx's loader (bench/ocsp.ts),
 * ten times a cached OCSP answer.
 */
const loaded = new Map<string, ProtocolHandler>();

async function load(name: string, importer: () => Promise<ProtocolHandler>): Promise<ProtocolHandler> {
  let h = loaded.get(name);
  if (!h) loaded.set(name, (h = await importer()));
  return h;
}

/** The handler for a request path, loaded on first use; null when no protocol serves it. OCSP is answered before this, on plain node:http (fastPath.ts). */
export async function protocolHandler(pathname: string): Promise<ProtocolHandler | null> {
  if (pathname.startsWith("/acme/")) return load("acme", async () => (await import("../acme/http")).acmeHandler);
  if (pathname.startsWith("/.well-known/est/")) return load("est", async () => (await import("../est/http")).estHandler);
  return null;
}
