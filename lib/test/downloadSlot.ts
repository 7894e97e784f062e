/**
 * A real TLS download server for the device generations tests, bound from the start so
 * its URL can be announced before it "exists": while down it drops every connection
 * before the handshake (the device sees an unreachable server, as in seed 001 before the
 * download server starts); up(), it presents the given certificate and serves fixed
 * bodies by path. The certificate can be swapped while it runs. Not production code.
 */
import type { AddressInfo } from "node:net";
import tls from "node:tls";
import { pemEncode } from "../pki/pem";

export interface Served {
  certDer: Uint8Array;
  keyPkcs8: Uint8Array;
}

export interface DownloadSlot {
  port: number;
  url(path: string): string;
  up(cert: Served, bodies: Record<string, Uint8Array>): void;
  down(): void;
  /** Requests answered 200 since start. */
  readonly served: number;
  /** The request head of the last request (request line and headers). */
  readonly lastHead: string;
  close(): Promise<void>;
}

export async function startDownloadSlot(): Promise<DownloadSlot> {
  let bodies: Record<string, Uint8Array> | null = null;
  let served = 0;
  let lastHead = "";
  const sockets = new Set<import("node:net").Socket>();
  const server = tls.createServer({}, (s) => {
    s.on("error", () => {});
    let head = "";
    s.on("data", (d: Buffer) => {
      head += d.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      lastHead = head;
      const path = /^GET (\S+) HTTP\/1\.[01]\r\n/.exec(head)?.[1] ?? "";
      const body = bodies?.[path];
      if (!body) return void s.end("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
      served++;
      s.write(`HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n`);
      s.end(Buffer.from(body));
    });
  });
  server.on("connection", (raw: import("node:net").Socket) => {
    if (!bodies) return void raw.destroy();
    sockets.add(raw);
    raw.on("close", () => sockets.delete(raw));
  });
  server.on("tlsClientError", () => {});
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: (path) => `https://127.0.0.1:${port}${path}`,
    up(cert, b) {
      server.setSecureContext({ cert: pemEncode("CERTIFICATE", cert.certDer), key: pemEncode("PRIVATE KEY", cert.keyPkcs8) });
      bodies = b;
    },
    down() {
      bodies = null;
    },
    get served() {
      return served;
    },
    get lastHead() {
      return lastHead;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
