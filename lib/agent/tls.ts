/**
 * TLS for the links (node:tls, TLS 1.3): one secure context per group and presented
 * certificate, rebuilt when the store changes; the client side of one exchange.
 */
import { createSecureContext, connect, type SecureContext, type TLSSocket } from "node:tls";
import type { NodeStore } from "./store";
import { sniName } from "./sni";
import { ExchangeLine, parseLinkLine, readLine } from "./link";
import { commonName, currentlyValid, issuerAmong } from "./x509";

export const TLS_VERSION = "TLSv1.3" as const;

/** Secure contexts of one node, cached per store generation. */
export class Contexts {
  private cache = new Map<string, SecureContext>();
  private store: NodeStore;

  constructor(
    private readonly keyPem: string,
    store: NodeStore,
  ) {
    this.store = store;
  }

  update(store: NodeStore): void {
    this.store = store;
    this.cache.clear();
  }

  roots(group: string): string[] {
    return this.store.groups[group]?.roots ?? [];
  }

  certificates(group: string): string[] {
    return this.store.groups[group]?.certificates ?? [];
  }

  /**
   * The group's context presenting certificate `index` (null: none, a client on a one-way
   * link). Undefined when that certificate is not held. No `ca`: given one, OpenSSL would
   * send the held distribution root along as an intermediate, and a peer holding only the
   * old root would accept a certificate none of its own roots verifies. Both ends check the
   * peer against their held roots themselves (`verifyPeer`).
   */
  get(group: string, index: number | null): SecureContext | undefined {
    const key = `${group}\u0000${index}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const g = this.store.groups[group];
    if (!g) return undefined;
    let ctx: SecureContext;
    if (index === null) ctx = createSecureContext({ minVersion: TLS_VERSION });
    else {
      const c = g.certificates[index];
      if (!c) return undefined;
      ctx = createSecureContext({ key: this.keyPem, cert: c, minVersion: TLS_VERSION });
    }
    this.cache.set(key, ctx);
    return ctx;
  }
}

export type ClientOutcome = { kind: "ok"; reply: ExchangeLine; socket: TLSSocket } | { kind: "rejected"; reason: string } | { kind: "failed"; reason: string };

export interface ClientExchange {
  host: string;
  port: number;
  group: string;
  /** The server's node id: its certificate's CN must be exactly this. */
  peer: string;
  context: SecureContext;
  /** The group's held roots: the server's certificate must be issued by one of them. */
  roots: readonly string[];
  /** Builds the line once the server is authenticated (envelopes leave only then). */
  line: () => ExchangeLine;
  timeoutMs: number;
}

/**
 * SPEC 4.1: a received certificate is valid if a root the node holds verifies it. Only the
 * peer's own certificate counts; whatever chain it sends along is ignored. TLS itself has
 * already proved the peer holds the certificate's key. Returns why not, or null.
 */
export function verifyPeer(socket: TLSSocket, expectedCn: string, roots: readonly string[], group: string): string | null {
  const c = socket.getPeerX509Certificate();
  if (!c) return `${expectedCn} presented no certificate`;
  const cn = commonName(c.subject);
  if (cn !== expectedCn) return `the peer certificate names CN=${cn ?? "(none)"}, expected ${expectedCn}`;
  if (!issuerAmong(c, roots)) return `the certificate of ${expectedCn} does not verify with any root held in group ${group}`;
  if (!currentlyValid(c)) return `the certificate of ${expectedCn} is not valid now`;
  return null;
}

/** One client connection: handshake, send one line, read one line. The caller ends the socket. */
export function clientExchange(o: ClientExchange): Promise<ClientOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (out: ClientOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (out.kind !== "ok") socket.destroy();
      resolve(out);
    };
    const socket = connect({
      host: o.host,
      port: o.port,
      servername: sniName(o.group),
      secureContext: o.context,
      minVersion: TLS_VERSION,
      // Checked by hand against the held roots (verifyPeer), not by OpenSSL's chain building.
      rejectUnauthorized: false,
    });
    const timer = setTimeout(() => finish({ kind: "failed", reason: `no answer within ${o.timeoutMs} ms` }), o.timeoutMs);
    socket.once("error", (e) => finish({ kind: "failed", reason: e.message }));
    socket.once("secureConnect", async () => {
      const refused = verifyPeer(socket, o.peer, o.roots, o.group);
      if (refused) return finish({ kind: "failed", reason: refused });
      try {
        socket.write(JSON.stringify(o.line()) + "\n");
        const reply = parseLinkLine(await readLine(socket, o.timeoutMs));
        if (reply.type === "reject") finish({ kind: "rejected", reason: reply.reason });
        else if (reply.node !== o.peer) finish({ kind: "failed", reason: `the server named itself ${reply.node}, expected ${o.peer}` });
        else finish({ kind: "ok", reply, socket });
      } catch (e) {
        // In TLS 1.3 a server's alert about our certificate arrives here, after our handshake.
        finish({ kind: "failed", reason: (e as Error).message });
      }
    });
  });
}
