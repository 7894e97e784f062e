import net from "node:net";
import tls from "node:tls";
import { DEFAULT_TIMEOUT_MS } from "./http";
import { judgeServerCertificate, type JudgeCode, type JudgeOptions, type Judgement } from "./judge";
import type { DeviceState } from "./state";

/**
 * A real TLS connection, judged the device's way.
 *
 * Why `rejectUnauthorized: false`: Node's own verification would demand what a device
 * does not have and skip what it needs. It checks validity dates (the device has no
 * clock, SPEC 2.3), a chain to the system roots (the device trusts only its own CA
 * certificates), and knows nothing of revocation numbers. So Node is told not to judge,
 * and the device judges the leaf from `getPeerCertificate(true).raw` itself
 * (judge.ts) right after the handshake and BEFORE a single byte of application data is
 * sent. That is sound because the handshake has already made the server prove it holds
 * the private key of the certificate it sent (CertificateVerify in TLS 1.3, the signed
 * key exchange in TLS 1.2): the certificate's signature and serial are all that is left
 * to check. A rejected server gets the connection torn down, as in the seed (S106).
 *
 * The host connected to must be named by the certificate's SANs (RFC 6125, no CN
 * fallback), and the certificate must be for TLS servers (serverAuth; the repository's
 * marker for the bare-RN repository): judge.ts. The seed's terminal judged by issuer,
 * signature and serial only, which lets any certificate of the CA (a device's client
 * certificate, say) answer in a server's place. SNI is sent when the host is a DNS name.
 */

export interface TlsTarget {
  /** Where to connect; the certificate must name it. */
  host: string;
  port: number;
  timeoutMs?: number;
  /** What the server must be: any TLS server (default) or the bare-RN repository. */
  role?: JudgeOptions["role"];
}

export type TlsCheckResult = Judgement | { valid: false; code: "unreachable"; detail: string };
export type TlsCheckCode = JudgeCode | "unreachable";

export type JudgedConnection =
  | { ok: true; socket: tls.TLSSocket; judgement: Extract<Judgement, { valid: true }> }
  | { ok: false; result: Exclude<TlsCheckResult, { valid: true }> };

/** Connects, judges the server certificate, and returns the open socket only when it is valid. */
export function openJudgedTls(state: DeviceState, t: TlsTarget): Promise<JudgedConnection> {
  const timeoutMs = t.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve) => {
    let settled = false;
    const fail = (r: Exclude<TlsCheckResult, { valid: true }>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ok: false, result: r });
    };
    const socket = tls.connect({
      host: t.host,
      port: t.port,
      servername: net.isIP(t.host) ? undefined : t.host,
      rejectUnauthorized: false,
      minVersion: "TLSv1.2",
    });
    const timer = setTimeout(() => fail({ valid: false, code: "unreachable", detail: `no TLS handshake within ${timeoutMs} ms` }), timeoutMs);
    socket.on("error", (e: NodeJS.ErrnoException) => fail({ valid: false, code: "unreachable", detail: e.code ? `${e.code}: ${e.message}` : e.message }));
    socket.once("secureConnect", () => {
      const raw = socket.getPeerCertificate(true)?.raw;
      if (!raw || raw.length === 0) return fail({ valid: false, code: "malformed", detail: "the server sent no certificate" });
      judgeServerCertificate(state, new Uint8Array(raw), { role: t.role, host: t.host }).then(
        (judgement) => {
          if (settled) return;
          if (!judgement.valid) return fail(judgement);
          settled = true;
          clearTimeout(timer);
          resolve({ ok: true, socket, judgement });
        },
        (e: Error) => fail({ valid: false, code: "unreachable", detail: e.message }),
      );
    });
  });
}

/** `rootline device check`: connect, judge, close. */
export async function checkTlsServer(state: DeviceState, t: TlsTarget): Promise<TlsCheckResult> {
  const c = await openJudgedTls(state, t);
  if (!c.ok) return c.result;
  c.socket.destroySoon(); // close_notify, then close
  return c.judgement;
}
