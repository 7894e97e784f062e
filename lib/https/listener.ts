import type { IncomingMessage, ServerResponse } from "node:http";
import https from "node:https";
import net from "node:net";
import type tls from "node:tls";
import { SYSTEM, type Actor } from "../auth/actor";
import { NotFoundError } from "../errors";
import { caChain } from "../issuers/intermediate";
import { pemEncode } from "../pki/pem";
import { ensureOwnCredential, refreshOwnCredential, type OwnCertificateSpec, type OwnCredential } from "../revocation/ownCredential";
import type { HttpsConfig } from "./config";

/**
 * The app's HTTPS listener: the same request listener as plain HTTP (security headers,
 * fast path, Next) on a TLS socket whose server certificate a Rootline CA issues and keeps
 * current (lib/revocation/ownCredential.ts), swapped in with setSecureContext — no restart.
 * It requests a client certificate but does not require one, and does not verify its chain:
 * EST re-enrolment (lib/est) checks it against the issuer; everything else ignores it.
 */
export const HTTPS_SUBJECT = "CN=rootline-https";
const actor: Actor = { ...SYSTEM, name: "https-listener" };
/** While the issuer does not exist yet (set-up comes later), look again this often. */
const WAIT_MS = 3_000;

export interface HttpsListener {
  port: number;
  /** The serial of the certificate currently served. */
  serial(): bigint;
  stop(): Promise<void>;
}

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

async function contextOptions(cred: OwnCredential): Promise<tls.SecureContextOptions> {
  // The CA certificates after the leaf (of the CA that signed it: after a generation move, the
  // next generation's), so clients that trust only the root build the path.
  const cas = await caChain(cred.issuerId);
  return { cert: [cred.certDer, ...cas].map((d) => pemEncode("CERTIFICATE", d)).join(""), key: pemEncode("PRIVATE KEY", cred.keyPkcs8), minVersion: "TLSv1.2" };
}

/** The first credential, retried until the issuer exists (or `stopped()`); each new reason is logged once. */
async function firstCredential(spec: OwnCertificateSpec, retryMs: number, stopped: () => boolean): Promise<OwnCredential | null> {
  let said = "";
  while (!stopped()) {
    try {
      return await ensureOwnCredential(spec);
    } catch (err) {
      const why = err instanceof NotFoundError && err.field === "issuer" ? `no issuer named "${spec.issuer}" yet` : err instanceof Error ? err.message : String(err);
      if (why !== said) console.error(`rootline: HTTPS listener waits: ${why}; retrying every ${Math.round(retryMs / 100) / 10} s`);
      said = why;
    }
    await new Promise((r) => setTimeout(r, retryMs).unref());
  }
  return null;
}

/**
 * Starts listening once the certificate exists; resolves then (null if stopped before).
 * `onWaiting` lets the caller stop a listener that is still waiting for its issuer.
 */
export async function startHttpsListener(config: HttpsConfig, host: string, listener: RequestListener, onWaiting: (stop: () => void) => void = () => {}): Promise<HttpsListener | null> {
  const spec: OwnCertificateSpec = { issuer: config.issuer, actor, subject: HTTPS_SUBJECT, profile: "server", sans: config.names };
  let stopped = false;
  onWaiting(() => (stopped = true));
  const first = await firstCredential(spec, Math.min(WAIT_MS, config.checkMs), () => stopped);
  if (!first) return null;
  let serial = first.serial;
  const server = https.createServer({ ...(await contextOptions(first)), requestCert: true, rejectUnauthorized: false, handshakeTimeout: 10_000 }, listener);
  // A client that aborts its handshake (or offers no common cipher) is its own problem.
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const install = (next: OwnCredential) =>
    contextOptions(next)
      .then((o) => {
        server.setSecureContext(o);
        serial = next.serial;
        console.log(`rootline: HTTPS certificate renewed (serial ${next.serial} of "${config.issuer}")`);
      })
      .catch((err) => console.error("rootline: HTTPS certificate swap failed:", err));
  const stopRefresh = refreshOwnCredential(spec, first, (next) => void install(next), config.checkMs, "HTTPS");
  const port = (server.address() as net.AddressInfo).port;
  const shown = host === "0.0.0.0" || host === "::" ? "localhost" : net.isIPv6(host) ? `[${host}]` : host;
  console.log(`rootline: ready on https://${shown}:${port} (certificate serial ${first.serial} of "${config.issuer}")`);
  return {
    port,
    serial: () => serial,
    stop() {
      stopRefresh();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
