import https from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import tls from "node:tls";
import { SYSTEM, type Actor } from "../auth/actor";
import { db } from "../db";
import { pemEncode } from "../pki/pem";
import { ensureOwnCredential } from "../revocation/ownCredential";
import { caInfoJsonText, caInfoToJson, parseCaInfo } from "./caInfo";
import { generationsOf, lineageByName } from "./lineage";
import { hostOf, sanFor } from "./template";

/**
 * The download server (SPEC 3, seed 001 FIGS. 7–9): serves CA information n+1 at the URL
 * announced in CA information n, over TLS, with a server certificate issued by CA n — so
 * a device that trusts only CA n can authenticate it. It keeps serving n+1 until CA n's
 * ORIGINAL expiry, even when generation n was revoked early: devices still holding only
 * CA n need it to reach n+1. Documented in docs/CA_INFORMATION.md §6.
 *
 *   GET /ca-info/{n}                      → 200 application/json (the JSON form)
 *   GET /ca-info/{n}?format=der           → 200 application/octet-stream (the DER form)
 *   (or Accept: application/octet-stream without application/json)
 *
 * Certificate per connection: by SNI when generations' URLs have different hosts, else the
 * newest generation served. The certificates are ordinary Rootline certificates (profile
 * server, key generated and sealed by Rootline), renewed a month before they expire.
 */

export const DOWNLOAD_SUBJECT = "CN=rootline-ca-info";
const actor: Actor = { ...SYSTEM, name: "download-server" };

interface Credential {
  /** The generation whose CA information this certificate's connections are for. */
  serves: number;
  host: string;
  serial: bigint;
  context: tls.SecureContext;
  options: tls.SecureContextOptions;
}

/** The server certificate issued by CA n-1 for serving generation n, issued or renewed as needed (pinned to CA n-1). */
const ensureCredential = (issuer: string, san: string, now: Date) => ensureOwnCredential({ issuer, actor, subject: DOWNLOAD_SUBJECT, profile: "server", sans: [san], pinned: true }, now);

/** Credentials for every generation n ≥ 2 whose CA n-1 has not reached its original notAfter. */
async function credentials(lineageName: string, now: Date): Promise<Credential[]> {
  const l = await lineageByName(lineageName);
  const gens = await generationsOf(l.id);
  const out: Credential[] = [];
  for (const g of gens) {
    const prev = gens.find((p) => p.generation === g.generation - 1);
    if (!prev || prev.notAfter <= now) continue;
    const cred = await ensureCredential(prev.name, sanFor(l.downloadUrlTemplate, g.generation), now);
    const options: tls.SecureContextOptions = { cert: pemEncode("CERTIFICATE", cred.certDer), key: pemEncode("PRIVATE KEY", cred.keyPkcs8), minVersion: "TLSv1.2" };
    out.push({ serves: g.generation, host: hostOf(l.downloadUrlTemplate, g.generation), serial: cred.serial, options, context: tls.createSecureContext(options) });
  }
  return out;
}

function wantsDer(req: IncomingMessage, url: URL): boolean {
  const format = url.searchParams.get("format");
  if (format) return format === "der";
  const accept = req.headers.accept ?? "";
  return accept.includes("application/octet-stream") && !accept.includes("application/json");
}

function send(res: ServerResponse, status: number, type: string, body: string | Uint8Array, head: boolean): void {
  res.writeHead(status, { "Content-Type": type, "Content-Length": typeof body === "string" ? Buffer.byteLength(body) : body.length, "Cache-Control": "no-cache" });
  res.end(head ? undefined : body);
}

function handler(lineageId: () => string) {
  // CA information n never changes once published: both forms are kept after the first read
  // (a database read and a JSON rendering per request ran at a tenth of the repository's rate).
  // Absent generations are not kept: they may be published later.
  const published = new Map<string, { der: Uint8Array; json: string }>();
  const lookup = async (generation: number) => {
    const key = `${lineageId()}/${generation}`;
    const hit = published.get(key);
    if (hit) return hit;
    const g = await db().issuer.findFirst({ where: { lineageId: lineageId(), generation }, select: { caInfoDer: true } });
    if (!g?.caInfoDer) return null;
    const doc = { der: g.caInfoDer, json: caInfoJsonText(caInfoToJson(parseCaInfo(g.caInfoDer))) };
    published.set(key, doc);
    return doc;
  };
  return (req: IncomingMessage, res: ServerResponse): void => {
    const head = req.method === "HEAD";
    const url = new URL(req.url ?? "/", "https://download.invalid");
    const m = /^\/ca-info\/([1-9][0-9]{0,9})$/.exec(url.pathname);
    if (!m) return send(res, 404, "text/plain", "not found\n", head);
    if (req.method !== "GET" && !head) {
      res.setHeader("Allow", "GET, HEAD");
      return send(res, 405, "text/plain", "method not allowed\n", false);
    }
    const format = url.searchParams.get("format");
    if (format && format !== "der" && format !== "json") return send(res, 400, "text/plain", "format is der or json\n", head);
    lookup(Number(m[1]))
      .then(
        (doc) => {
          if (!doc) return send(res, 404, "text/plain", "no such generation\n", head);
          if (wantsDer(req, url)) return send(res, 200, "application/octet-stream", doc.der, head);
          send(res, 200, "application/json", doc.json, head);
        },
        () => send(res, 503, "text/plain", "unavailable\n", head),
      );
  };
}

export interface DownloadServer {
  host: string;
  port: number;
  /** https://host:port */
  url: string;
  /** Generations currently served with a certificate of their predecessor. */
  serving(): number[];
  /** Re-reads the lineage (new generations, renewals, expiries) and reports the server as running. */
  refresh(): Promise<void>;
  stop(): Promise<void>;
}

export interface DownloadServerOptions {
  lineage: string;
  port: number;
  host?: string;
  /** Clock for choosing and renewing certificates (tests inject one). */
  now?: () => Date;
  /** How often to refresh; default 30 s. */
  refreshMs?: number;
}

export async function startDownloadServer(o: DownloadServerOptions): Promise<DownloadServer> {
  const now = o.now ?? (() => new Date());
  const lineage = await lineageByName(o.lineage);
  let creds: Credential[] = await credentials(o.lineage, now());
  const newest = () => creds.at(-1);
  const byHost = (servername: string) => creds.filter((c) => c.host === servername).at(-1) ?? newest();

  const server = https.createServer(
    {
      ...(newest()?.options ?? {}),
      minVersion: "TLSv1.2",
      SNICallback: (servername, cb) => {
        const c = byHost(servername);
        if (c) cb(null, c.context);
        else cb(new Error("nothing to serve"));
      },
      handshakeTimeout: 10_000,
      requestTimeout: 10_000,
      headersTimeout: 5_000,
    },
    handler(() => lineage.id),
  );
  server.on("tlsClientError", () => {});
  const host = o.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  const url = `https://${host.includes(":") ? `[${host}]` : host}:${port}`;

  async function refresh(): Promise<void> {
    const next = await credentials(o.lineage, now());
    const changed = next.map((c) => `${c.serves}:${c.serial}`).join() !== creds.map((c) => `${c.serves}:${c.serial}`).join();
    creds = next;
    const top = newest();
    if (changed && top) server.setSecureContext({ ...top.options });
    await db().lineage.update({ where: { id: lineage.id }, data: { downloadServerUrl: url, downloadServerSeenAt: now() } });
  }
  await refresh();
  const timer = setInterval(() => refresh().catch((err) => console.error("rootline: download server refresh failed:", err)), o.refreshMs ?? 30_000);
  timer.unref();

  return {
    host,
    port,
    url,
    serving: () => creds.map((c) => c.serves),
    refresh,
    async stop() {
      clearInterval(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
