import net from "node:net";
import tls from "node:tls";
import { DEFAULT_TIMEOUT_MS, httpGet, type HttpGetResult } from "../http";

/**
 * The network under the generations client: a TLS connection whose peer certificate is
 * handed back BEFORE anything is sent, and a GET on that same connection. Node is told
 * not to judge (`rejectUnauthorized: false`): it would check dates (a device has no
 * clock) and chain to system roots (a device trusts only its current or next CA). The
 * client judges the certificate itself (client.ts, via lib/device/judge.ts); the
 * handshake has already made the server prove it holds the certificate's key.
 *
 * Tests substitute an in-memory transport with the same shape; the judging stays in the
 * client either way.
 */

export interface TlsEndpoint {
  host: string;
  port: number;
  /** SNI to send and the name the certificate must carry; default: host when it is a DNS name. */
  servername?: string;
  timeoutMs?: number;
}

export interface PeerConnection {
  /** The leaf certificate the server presented (DER). */
  certDer: Uint8Array;
  /** GET on this connection (call only after judging certDer). */
  get(url: URL, maxBytes?: number): Promise<HttpGetResult>;
  close(): void;
}

export type Connected = { ok: true; conn: PeerConnection } | { ok: false; detail: string };

export interface GenerationsTransport {
  connect(e: TlsEndpoint): Promise<Connected>;
}

export const tlsTransport: GenerationsTransport = { connect: connectTls };

export function connectTls(e: TlsEndpoint): Promise<Connected> {
  const timeoutMs = e.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const started = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    const fail = (detail: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ok: false, detail });
    };
    const servername = e.servername ?? (net.isIP(e.host) ? undefined : e.host);
    const socket = tls.connect({ host: e.host, port: e.port, servername, rejectUnauthorized: false, minVersion: "TLSv1.2" });
    const timer = setTimeout(() => fail(`no TLS handshake within ${timeoutMs} ms`), timeoutMs);
    socket.on("error", (err: NodeJS.ErrnoException) => fail(err.code ? `${err.code}: ${err.message}` : err.message));
    socket.once("secureConnect", () => {
      const raw = socket.getPeerCertificate(true)?.raw;
      if (!raw || raw.length === 0) return fail("the server sent no certificate");
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({
        ok: true,
        conn: {
          certDer: new Uint8Array(raw),
          // The compact DER form (docs/CA_INFORMATION.md §6); a server that sends JSON anyway is understood too.
          get: (url, maxBytes) => httpGet(url, { socket, maxBytes, accept: "application/octet-stream", timeoutMs: Math.max(1, timeoutMs - (Date.now() - started)) }),
          close: () => socket.destroy(),
        },
      });
    });
  });
}
