/**
 * TLS for the links (node:tls, TLS 1.3): one secure context per group and presented
 * certificate, rebuilt when the store changes; the client side of one exchange.
 */
import { createSecureContext, connect, type SecureContext, type TLSSocket } from "node:tls";
import type { PeerCertificate } from "node:tls";
import type { NodeStore } from "./store";
import { sniName } from "./sni";
import { ExchangeLine, parseLinkLine, readLine } from "./link";

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
   * link), with the group's roots as `ca`. Undefined when that certificate is not held.
   */
  get(group: string, index: number | null): SecureContext | undefined {
    const key = `${group}\u0000${index}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const g = this.store.groups[group];
    if (!g) return undefined;
    // An empty `ca` would fall back to Node's public CA bundle: never trust anything then.
    const ca = g.roots.length > 0 ? g.roots : [];
    let ctx: SecureContext;
    if (index === null) ctx = createSecureContext({ ca, minVersion: TLS_VERSION });
    else {
      const c = g.certificates[index];
      if (!c) return undefined;
      ctx = createSecureContext({ key: this.keyPem, cert: c, ca, minVersion: TLS_VERSION });
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
  /** Builds the line once the server is authenticated (envelopes leave only then). */
  line: () => ExchangeLine;
  timeoutMs: number;
}

function cnOf(c: PeerCertificate | undefined): string | undefined {
  const cn = c?.subject?.CN;
  return Array.isArray(cn) ? cn[0] : cn;
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
      rejectUnauthorized: true,
      checkServerIdentity: (_host, c) => (cnOf(c) === o.peer ? undefined : new Error(`the server presented CN=${cnOf(c) ?? "(none)"}, expected ${o.peer}`)),
    });
    const timer = setTimeout(() => finish({ kind: "failed", reason: `no answer within ${o.timeoutMs} ms` }), o.timeoutMs);
    socket.once("error", (e) => finish({ kind: "failed", reason: e.message }));
    socket.once("secureConnect", async () => {
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
