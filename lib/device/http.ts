import http from "node:http";
import https from "node:https";
import type { Socket } from "node:net";

/**
 * The device's HTTP GET: one request, a hard deadline, and a cap on the body. A
 * repository (or anything pretending to be one) that sends more than the cap is cut
 * off as soon as the cap is passed; nothing beyond it is buffered. Redirects are not
 * followed: a device is configured with its repository URL.
 */

export const DEFAULT_TIMEOUT_MS = 10_000;
/** Revocation information is under 1 KiB (4 KiB at most); a bare RN is a few digits. */
export const MAX_RESPONSE_BYTES = 16 * 1024;

export type HttpGetResult =
  | { ok: true; status: 200; body: Buffer }
  /** Nothing usable arrived: connection refused, timeout, reset, or a status other than 200. */
  | { ok: false; failure: "unreachable"; detail: string }
  | { ok: false; failure: "too-large"; detail: string };

export interface HttpGetOptions {
  timeoutMs?: number;
  maxBytes?: number;
  /**
   * An already connected (and already judged) socket to send the request on. The
   * second form uses this, so the request goes over the very TLS connection whose
   * certificate was checked.
   */
  socket?: Socket;
  /** The Accept header (default any type). */
  accept?: string;
}

export function httpGet(url: URL, o: HttpGetOptions = {}): Promise<HttpGetResult> {
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = o.maxBytes ?? MAX_RESPONSE_BYTES;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: HttpGetResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(r);
    };
    const common = { method: "GET", headers: { accept: o.accept ?? "*/*", connection: "close", "user-agent": "rootline-device" } };
    let req: http.ClientRequest;
    if (o.socket) {
      const socket = o.socket;
      // Options rather than the URL: http.request refuses an https: URL, although the
      // socket it is handed is TLS already.
      req = http.request({
        ...common,
        hostname: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        headers: { ...common.headers, host: url.host },
        createConnection: () => socket,
      });
    } else if (url.protocol === "https:") {
      // The first form is signed: the payload authenticates itself, so the transport's
      // certificate is not what the device relies on (it is usually issued by the
      // device's own CA, which no system trust store knows).
      req = https.request(url, { ...common, agent: false, rejectUnauthorized: false });
    } else if (url.protocol === "http:") {
      req = http.request(url, { ...common, agent: false });
    } else {
      throw new Error(`unsupported URL scheme ${url.protocol}`);
    }
    const timer = setTimeout(() => finish({ ok: false, failure: "unreachable", detail: `no complete answer within ${timeoutMs} ms` }), timeoutMs);
    req.on("error", (e: NodeJS.ErrnoException) => finish({ ok: false, failure: "unreachable", detail: e.code ? `${e.code}: ${e.message}` : e.message }));
    req.on("response", (res) => {
      if (res.statusCode !== 200) {
        return finish({ ok: false, failure: "unreachable", detail: `HTTP ${res.statusCode} ${res.statusMessage ?? ""}`.trim() });
      }
      const declared = Number(res.headers["content-length"]);
      if (Number.isFinite(declared) && declared > maxBytes) {
        return finish({ ok: false, failure: "too-large", detail: `the response announces ${declared} bytes; at most ${maxBytes} are accepted` });
      }
      const chunks: Buffer[] = [];
      let total = 0;
      res.on("data", (c: Buffer) => {
        total += c.length;
        if (total > maxBytes) return finish({ ok: false, failure: "too-large", detail: `the response exceeds ${maxBytes} bytes` });
        chunks.push(c);
      });
      // A body cut short of its Content-Length surfaces here (Node reports "aborted").
      res.on("error", (e) => finish({ ok: false, failure: "unreachable", detail: `the response broke off: ${e.message}` }));
      res.on("end", () => {
        if (res.complete) finish({ ok: true, status: 200, body: Buffer.concat(chunks, total) });
        else finish({ ok: false, failure: "unreachable", detail: "the response broke off" });
      });
    });
    req.end();
  });
}
