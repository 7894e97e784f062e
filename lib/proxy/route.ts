/**
 * One route: a listener (plain TCP, or TLS with the proxy certificate) → one upstream over
 * TLS. Per connection, in this order, with the client socket held paused (nothing it sends
 * is read by us, let alone forwarded) until the end:
 *   1. a client certificate (TLS clients that present one) is judged → refused-client-cert
 *   2. the policy decides for (client, source, route)                → refused-policy
 *   3. TLS to the upstream, presenting the proxy certificate; the upstream's certificate is
 *      judged by us (chain to --ca, dates, serverAuth, name, revocation) → refused-revoked /
 *      refused-unverified; a refused upstream gets close_notify and FIN right after the
 *      handshake, before any application data (docs/PROXY.md, "What the wire shows").
 *   4. only then both directions are piped; bytes are counted.
 * Exactly one Decision is logged per connection.
 */
import net from "node:net";
import tls from "node:tls";
import type { Certificate } from "../pki/certificate";
import type { RouteConfig } from "./config";
import type { DecisionKind, DecisionLog } from "./decisions";
import type { Identity } from "./identity";
import type { Metrics } from "./metrics";
import { decidePolicy, type Policy } from "./policy";
import type { IssuerRevocation } from "./revocation";
import { clientSubject, judgeCertificate } from "./clientAuth";

export interface RouteDeps {
  identity: Identity;
  policy: () => Policy;
  decisions: DecisionLog;
  metrics: Metrics;
  /** The upstreams' CA certificates and issuer revocation. */
  upstreamCas: Certificate[];
  upstreamRevocation: IssuerRevocation;
  /** With --client-tls: the CA client certificates must chain to, and its issuer's revocation. */
  clientCas: Certificate[] | null;
  clientRevocation: IssuerRevocation | null;
  log: (line: string) => void;
  handshakeTimeoutMs?: number;
}

const hostPort = (h: { host: string; port: number }) => (net.isIPv6(h.host) ? `[${h.host}]:${h.port}` : `${h.host}:${h.port}`);

export class Route {
  private server: net.Server | tls.Server | null = null;
  private readonly open = new Set<net.Socket>();
  private openCount = 0;
  readonly upstreamName: string;

  constructor(
    readonly config: RouteConfig,
    private readonly deps: RouteDeps,
  ) {
    this.upstreamName = hostPort(config.upstream);
  }

  /** Starts listening; resolves with the bound port (the configured one, or the kernel's for port 0). */
  async listen(): Promise<number> {
    const c = this.config;
    const onClient = (s: net.Socket | tls.TLSSocket) => void this.handle(s);
    if (c.clientTls) {
      // requestCert without rejectUnauthorized: a client may present a certificate or none;
      // one that does is judged by us (clientAuth.ts), not by OpenSSL's chain building.
      const srv = tls.createServer({ ...this.deps.identity.serverOptions(), requestCert: true, rejectUnauthorized: false, allowHalfOpen: true }, onClient);
      srv.on("tlsClientError", () => {});
      this.server = srv;
    } else {
      // pauseOnConnect: not a byte is read from the client until the upstream is judged.
      this.server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true }, onClient);
    }
    const server = this.server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(c.listen.port, c.listen.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    server.on("error", (e) => this.deps.log(`route ${c.name}: ${e.message}`));
    return (server.address() as net.AddressInfo).port;
  }

  /** A new proxy certificate for clients connecting over TLS from now on (open sessions keep theirs). */
  reloadServerIdentity(): void {
    if (this.server instanceof tls.Server) this.server.setSecureContext(this.deps.identity.serverOptions());
  }

  get openConnections(): number {
    return this.openCount;
  }

  /** Stops accepting; open connections get up to graceMs to finish, then are cut. */
  async close(graceMs = 5000): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    const closed = new Promise<void>((r) => server.close(() => r()));
    const timer = setTimeout(() => {
      for (const s of this.open) s.destroy();
    }, graceMs);
    await closed;
    clearTimeout(timer);
  }

  private async handle(client: net.Socket): Promise<void> {
    const d = this.deps;
    const c = this.config;
    client.pause();
    client.on("error", () => {});
    this.open.add(client);
    client.once("close", () => this.open.delete(client));
    const source = client.remoteAddress ?? "unknown";
    const clientName = `${source}:${client.remotePort ?? 0}`;
    let subject: string | null = null;
    const decide = (decision: DecisionKind, reason: string, serial: bigint | null) => {
      d.decisions.record({ client: clientName, route: c.name, upstream: this.upstreamName, serial: serial === null ? null : serial.toString(), decision, reason, subject });
      d.metrics.inc("rootline_proxy_connections_total", { route: c.name, decision });
    };
    try {
      // 1. The client's own certificate, if it presented one: judged, never forwarded.
      let clientCert: Certificate | null = null;
      if (client instanceof tls.TLSSocket) {
        const raw = client.getPeerCertificate(false)?.raw;
        if (raw && raw.length > 0) {
          const v = await judgeCertificate(new Uint8Array(raw), { cas: d.clientCas ?? [], revocation: d.clientRevocation!, usage: "clientAuth" });
          if (!v.ok) {
            subject = v.certificate?.subject ?? null;
            decide("refused-client-cert", v.reason, v.certificate?.serial ?? null);
            return void client.destroy();
          }
          clientCert = v.certificate;
          subject = clientCert.subject;
        }
      }
      // 2. The policy: does the proxy answer on this client's behalf on this route?
      const who = clientSubject(clientCert);
      const p = decidePolicy(d.policy(), { ...who, source, route: c.name });
      if (p.answer === "deny") {
        decide("refused-policy", p.rule === null ? "denied by the policy's default" : `denied by policy rule ${p.rule}`, null);
        return void client.destroy();
      }
      // 3. The upstream, judged before anything is forwarded.
      const up = await this.connectUpstream();
      if (!up.ok) {
        decide(up.kind === "revoked" ? "refused-revoked" : "refused-unverified", up.reason, up.serial);
        return void client.destroy();
      }
      if (client.destroyed) {
        up.socket.end();
        decide("refused-unverified", "the client left before the upstream was judged", up.serial);
        return;
      }
      decide("forwarded", p.rule === null ? "upstream verified; allowed by the policy's default" : `upstream verified; allowed by policy rule ${p.rule}`, up.serial);
      this.pipe(client, up.socket);
    } catch (e) {
      decide("refused-unverified", `internal error: ${(e as Error).message}`, null);
      client.destroy();
    }
  }

  private connectUpstream(): Promise<{ ok: true; socket: tls.TLSSocket; serial: bigint } | { ok: false; kind: "revoked" | "unverified"; reason: string; serial: bigint | null }> {
    const d = this.deps;
    const c = this.config;
    const timeoutMs = d.handshakeTimeoutMs ?? 10_000;
    return new Promise((resolve) => {
      let settled = false;
      const socket = tls.connect({
        host: c.upstream.host,
        port: c.upstream.port,
        servername: net.isIP(c.servername) ? undefined : c.servername,
        // The proxy certificate answers the upstream's CertificateRequest, whoever the client is.
        secureContext: d.identity.current().clientContext,
        // Judged by us against --ca and the revocation data (judgeCertificate), not by OpenSSL.
        rejectUnauthorized: false,
        minVersion: "TLSv1.2",
        allowHalfOpen: true,
      } as tls.ConnectionOptions);
      const fail = (kind: "revoked" | "unverified", reason: string, serial: bigint | null, alert: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        // close_notify then FIN: the only alert Node can send after its handshake; no application data was written.
        if (alert) {
          socket.end();
          setTimeout(() => socket.destroy(), 1000).unref();
        } else socket.destroy();
        resolve({ ok: false, kind, reason, serial });
      };
      const timer = setTimeout(() => fail("unverified", `upstream ${this.upstreamName}: no TLS handshake within ${timeoutMs} ms`, null, false), timeoutMs);
      socket.on("error", (e: NodeJS.ErrnoException) => fail("unverified", `upstream ${this.upstreamName} unreachable: ${e.code ? `${e.code}: ` : ""}${e.message}`, null, false));
      socket.once("secureConnect", () => {
        const raw = socket.getPeerCertificate(false)?.raw;
        judgeCertificate(raw ? new Uint8Array(raw) : null, { cas: d.upstreamCas, revocation: d.upstreamRevocation, usage: "serverAuth", host: c.servername }).then(
          (v) => {
            if (settled) return;
            if (!v.ok) return fail(v.kind, v.reason, v.certificate?.serial ?? null, true);
            settled = true;
            clearTimeout(timer);
            resolve({ ok: true, socket, serial: v.certificate.serial });
          },
          (e: Error) => fail("unverified", `judging the upstream failed: ${e.message}`, null, true),
        );
      });
    });
  }

  private pipe(client: net.Socket, upstream: tls.TLSSocket): void {
    const { metrics } = this.deps;
    const route = this.config.name;
    this.openCount++;
    metrics.inc("rootline_proxy_open_connections", { route }, 1);
    this.open.add(upstream);
    // Counted from the sockets' own cleartext byte counters (no per-chunk listener on the
    // data path), added to the metrics every second and at the end.
    let up = 0;
    let down = 0;
    const flush = () => {
      const u = client.bytesRead - up;
      const d = upstream.bytesRead - down;
      up += u;
      down += d;
      if (u) metrics.inc("rootline_proxy_bytes_total", { route, direction: "upstream" }, u);
      if (d) metrics.inc("rootline_proxy_bytes_total", { route, direction: "downstream" }, d);
    };
    const ticker = setInterval(flush, 1000);
    forward(client, upstream);
    forward(upstream, client);
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
    let closed = 0;
    const onClose = () => {
      if (++closed === 1) {
        // The other side gets its pending bytes flushed, then a short grace.
        const other = [client, upstream].find((s) => !s.destroyed);
        if (other) {
          other.end();
          setTimeout(() => other.destroy(), 5000).unref();
        }
        return;
      }
      clearInterval(ticker);
      flush();
      this.open.delete(upstream);
      this.openCount--;
      metrics.inc("rootline_proxy_open_connections", { route }, -1);
    };
    client.once("close", onClose);
    upstream.once("close", onClose);
    client.resume();
  }
}

/**
 * src → dst with backpressure, as stream.pipe, but the writes of one event-loop turn go out
 * corked (one writev): a TLS socket hands over one ≤16 KiB record per chunk.
 */
function forward(src: net.Socket, dst: net.Socket): void {
  let corked = false;
  const uncork = () => {
    corked = false;
    dst.uncork();
  };
  src.on("data", (chunk: Buffer) => {
    if (!corked) {
      corked = true;
      dst.cork();
      setImmediate(uncork);
    }
    if (!dst.write(chunk)) src.pause();
  });
  dst.on("drain", () => src.resume());
  src.once("end", () => {
    if (corked) uncork();
    dst.end();
  });
}
