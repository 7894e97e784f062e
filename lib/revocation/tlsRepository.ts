import https from "node:https";
import net from "node:net";
import type { IncomingMessage, ServerResponse } from "node:http";
import tls from "node:tls";
import { pemEncode } from "../pki/pem";

/**
 * The repository for the second form of revocation information (SPEC 2.2, seed 000
 * second embodiment): the bare revocation number, without a signature, served ONLY
 * over TLS by a server whose own certificate is issued by the same CA. The device
 * authenticates the repository by that certificate (signature, and serial >= its
 * stored RN) and accepts a new RN only if `stored < new <= repository serial`
 * (lib/device/remote.ts, update.ts).
 *
 *   GET {basePath}/{issuer}/revocation-number   →  200 text/plain  "<decimal digits>\n"
 *
 * Plain-text requests are refused: the listening socket reads the first byte of every
 * connection; a TLS connection starts with a handshake record (content type 0x16),
 * anything else (e.g. "G" of a plain "GET") gets a plain-text
 * `HTTP/1.1 400 Bad Request` saying "use TLS", and the connection is closed. The RN is
 * never written to a connection that is not TLS. (Answering 400 rather than silently
 * closing tells a human with curl what went wrong; a device learns nothing from it.)
 */

export interface TlsRepositoryOptions {
  port: number;
  host?: string;
  /** The repository's own server certificate (DER), issued by the CA whose RN it serves. */
  certDer: Uint8Array;
  /** Its private key, PKCS#8 DER. */
  keyPkcs8: Uint8Array;
  /** Current RN of the issuer with that name; null when there is no such issuer. */
  getRevocationNumber: (issuerName: string) => Promise<bigint | null>;
  /** Path prefix in front of "/{issuer}/revocation-number", e.g. "/api/repository"; default "". */
  basePath?: string;
  /** A connection that has not finished its TLS handshake within this time is dropped; default 10 s. */
  handshakeTimeoutMs?: number;
}

export interface TlsRepository {
  host: string;
  port: number;
  /** https://host:port{basePath}: what a device is given as `--repository`. */
  url: string;
  /** Swaps the server certificate (after the repository renewed it) without dropping the listener. */
  setCertificate(certDer: Uint8Array, keyPkcs8: Uint8Array): void;
  close(): Promise<void>;
}

const TLS_HANDSHAKE_RECORD = 0x16;
const PLAIN_REFUSAL = "use TLS: the revocation number is served over https only\n";
/** Issuer names are a single path segment of ordinary text. */
const ISSUER_SEGMENT = /^[^/\u0000-\u001f\u007f]{1,200}$/;

function secureContextOptions(certDer: Uint8Array, keyPkcs8: Uint8Array): tls.SecureContextOptions {
  // Node's TLS wants PEM for both.
  return { cert: pemEncode("CERTIFICATE", certDer), key: pemEncode("PRIVATE KEY", keyPkcs8), minVersion: "TLSv1.2" };
}

function normaliseBasePath(p: string | undefined): string {
  if (!p || p === "/") return "";
  if (!/^(\/[A-Za-z0-9._~-]+)+$/.test(p.replace(/\/$/, ""))) throw new Error(`basePath "${p}" must look like /a/b`);
  return p.replace(/\/$/, "");
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    "Content-Type": "text/plain; charset=us-ascii",
    "Content-Length": Buffer.byteLength(body),
    // The RN changes whenever the CA revokes: never let a cache serve an old one.
    "Cache-Control": "no-store",
  });
  res.end(body);
}

function handler(basePath: string, getRn: TlsRepositoryOptions["getRevocationNumber"]) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? "/", "https://repository.invalid");
    const prefix = `${basePath}/`;
    const suffix = "/revocation-number";
    if (!url.pathname.startsWith(prefix) || !url.pathname.endsWith(suffix)) return send(res, 404, "not found\n");
    let issuer: string;
    try {
      issuer = decodeURIComponent(url.pathname.slice(prefix.length, url.pathname.length - suffix.length));
    } catch {
      return send(res, 400, "bad issuer name\n");
    }
    if (!ISSUER_SEGMENT.test(issuer)) return send(res, 404, "not found\n");
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("Allow", "GET, HEAD");
      return send(res, 405, "method not allowed\n");
    }
    getRn(issuer).then(
      (rn) => (rn === null ? send(res, 404, "unknown issuer\n") : send(res, 200, `${rn.toString(10)}\n`)),
      () => send(res, 503, "revocation number unavailable\n"),
    );
  };
}

export async function startTlsRepository(o: TlsRepositoryOptions): Promise<TlsRepository> {
  const basePath = normaliseBasePath(o.basePath);
  const handshakeTimeout = o.handshakeTimeoutMs ?? 10_000;
  const host = o.host ?? "127.0.0.1";

  const httpsServer = https.createServer(
    { ...secureContextOptions(o.certDer, o.keyPkcs8), handshakeTimeout, requestTimeout: 10_000, headersTimeout: 5_000 },
    handler(basePath, o.getRevocationNumber),
  );
  // A client that aborts its handshake is its own problem; Node destroys the socket.
  httpsServer.on("tlsClientError", () => {});

  const sockets = new Set<net.Socket>();
  const front = net.createServer((sock) => {
    sockets.add(sock);
    sock.on("close", () => sockets.delete(sock));
    sock.on("error", () => sock.destroy());
    sock.setTimeout(handshakeTimeout, () => sock.destroy());
    sock.once("data", (chunk: Buffer) => {
      // Stop the flow so nothing more is consumed; the TLS layer reads what is buffered.
      sock.pause();
      if (chunk[0] !== TLS_HANDSHAKE_RECORD) {
        sock.setTimeout(0);
        sock.end(
          `HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=us-ascii\r\nContent-Length: ${PLAIN_REFUSAL.length}\r\nConnection: close\r\n\r\n${PLAIN_REFUSAL}`,
        );
        return;
      }
      // Put the byte back and hand the socket to the TLS server, which wraps it. Do NOT
      // resume() here: the TLS wrap takes over reading and drains the unshifted bytes
      // itself; a resumed plain socket would swallow the rest of the ClientHello.
      sock.unshift(chunk);
      sock.setTimeout(0); // the TLS server's own handshakeTimeout applies from here
      httpsServer.emit("connection", sock);
    });
  });

  await new Promise<void>((resolve, reject) => {
    front.once("error", reject);
    front.listen(o.port, host, () => {
      front.off("error", reject);
      resolve();
    });
  });
  const addr = front.address() as net.AddressInfo;
  const urlHost = net.isIPv6(host) ? `[${host}]` : host;
  return {
    host,
    port: addr.port,
    url: `https://${urlHost}:${addr.port}${basePath}`,
    setCertificate(certDer, keyPkcs8) {
      httpsServer.setSecureContext(secureContextOptions(certDer, keyPkcs8));
    },
    close() {
      return new Promise<void>((resolve) => {
        front.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };
}
