/**
 * The proxy certificate and key (--cert/--key), hot-reloaded. Each load builds new TLS
 * SecureContexts; connections pick the current one when they start, so open connections
 * keep the context (and certificate) they were made with and are never dropped. A new pair
 * that does not load (a half-written file, a key that does not match) is refused and the
 * previous pair stays in use; the next change event tries again.
 */
import fs from "node:fs";
import path from "node:path";
import tls from "node:tls";
import { parseCertificate, type Certificate } from "../pki/certificate";
import { pemDecodeAll } from "../pki/pem";

export interface LoadedIdentity {
  certPem: string;
  keyPem: string;
  certificate: Certificate;
  /** For tls.connect to upstreams: presents the proxy certificate when asked for one. */
  clientContext: tls.SecureContext;
  loadedAt: string;
}

export type IdentityEvent = { result: "loaded" | "unchanged"; identity: LoadedIdentity } | { result: "rejected"; reason: string };

function loadPair(certFile: string, keyFile: string): LoadedIdentity {
  const certPem = fs.readFileSync(certFile, "utf8");
  const keyPem = fs.readFileSync(keyFile, "utf8");
  const blocks = pemDecodeAll(certPem, "cert").filter((b) => b.label === "CERTIFICATE");
  if (blocks.length === 0) throw new Error(`${certFile} holds no CERTIFICATE`);
  const certificate = parseCertificate(blocks[0].der, "cert");
  // createSecureContext checks that the key belongs to the certificate ("key values mismatch").
  const clientContext = tls.createSecureContext({ cert: certPem, key: keyPem, minVersion: "TLSv1.2" });
  return { certPem, keyPem, certificate, clientContext, loadedAt: new Date().toISOString() };
}

export class Identity {
  private cur: LoadedIdentity;
  private watchers: fs.FSWatcher[] = [];
  private timer: NodeJS.Timeout | null = null;

  /** Throws when the initial pair does not load: the proxy does not start without its certificate. */
  constructor(
    private readonly certFile: string,
    private readonly keyFile: string,
    private readonly onEvent: (e: IdentityEvent) => void = () => {},
  ) {
    this.cur = loadPair(certFile, keyFile);
  }

  current(): LoadedIdentity {
    return this.cur;
  }

  /** Reads both files again; keeps the current pair when the new one is unusable. */
  reload(): IdentityEvent {
    let e: IdentityEvent;
    try {
      const next = loadPair(this.certFile, this.keyFile);
      if (next.certPem === this.cur.certPem && next.keyPem === this.cur.keyPem) e = { result: "unchanged", identity: this.cur };
      else {
        this.cur = next;
        e = { result: "loaded", identity: next };
      }
    } catch (err) {
      e = { result: "rejected", reason: (err as Error).message };
    }
    this.onEvent(e);
    return e;
  }

  /**
   * Watches the directories (not the files: an atomic rename replaces the inode a file
   * watch would follow) and reloads shortly after a change to either file settles.
   */
  watch(debounceMs = 150): void {
    const dirs = new Map<string, Set<string>>();
    for (const f of [this.certFile, this.keyFile]) {
      const d = path.dirname(f);
      if (!dirs.has(d)) dirs.set(d, new Set());
      dirs.get(d)!.add(path.basename(f));
    }
    for (const [dir, names] of dirs) {
      const w = fs.watch(dir, (_event, name) => {
        if (name && !names.has(name.toString())) return;
        if (this.timer) clearTimeout(this.timer);
        this.timer = setTimeout(() => {
          this.timer = null;
          this.reload();
        }, debounceMs);
      });
      w.on("error", () => {});
      this.watchers.push(w);
    }
  }

  close(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
    if (this.timer) clearTimeout(this.timer);
  }

  /** Options for the client-facing TLS server (the same certificate; --client-tls). */
  serverOptions(): tls.SecureContextOptions {
    return { cert: this.cur.certPem, key: this.cur.keyPem, minVersion: "TLSv1.2" };
  }
}
