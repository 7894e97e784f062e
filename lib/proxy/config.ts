/**
 * `rootline proxy` configuration: the Contract's flags (one route) or `--config F` (a JSON
 * file with several routes), both validated by one zod schema so every error names its field
 * ("listen", or "config.routes[1].upstream" for the file).
 */
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { z } from "zod";
import { InputError } from "../errors";

export interface HostPort {
  host: string;
  port: number;
}

export interface RouteConfig {
  name: string;
  listen: HostPort;
  upstream: HostPort;
  /** SNI sent upstream and the name the upstream certificate must carry (default: upstream host). */
  servername: string;
  /** The issuer the upstream certificate must chain to, and whose revocation data applies. */
  ca: string;
  issuer: string;
  repository: string;
  /** Clients speak TLS to the proxy (the proxy's certificate); those presenting one are authenticated. */
  clientTls: boolean;
  clientCa: string | null;
  clientIssuer: string | null;
}

export interface ProxyConfig {
  routes: RouteConfig[];
  cert: string;
  key: string;
  policy: string | null;
  log: string | null;
  refreshS: number;
  status: HostPort | null;
  name: string | null;
  app: string | null;
  dataDir: string;
}

/** The flags as commander hands them over (all strings). */
export interface ProxyFlags {
  listen?: string;
  upstream?: string;
  ca?: string;
  repository?: string;
  issuer?: string;
  cert?: string;
  key?: string;
  servername?: string;
  clientTls?: boolean;
  clientCa?: string;
  clientIssuer?: string;
  policy?: string;
  log?: string;
  refreshS?: string;
  status?: string;
  config?: string;
  name?: string;
  app?: string;
  dataDir?: string;
}

export function parseHostPort(s: string, field: string): HostPort {
  // "[::1]:443", "127.0.0.1:443", "host.example:443"
  const m = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(s.trim());
  if (!m) throw new InputError(field, `${field} must be HOST:PORT (IPv6 in brackets), got "${s}"`);
  const host = m[1] ?? m[2];
  const port = Number(m[3]);
  if (port > 65535) throw new InputError(field, `${field}: port ${port} is out of range`);
  if (m[1] && net.isIPv6(m[1]) === false) throw new InputError(field, `${field}: "${m[1]}" is not an IPv6 address`);
  return { host, port };
}

const hostPort = z.string().min(1).transform((s, c) => {
  try {
    return parseHostPort(s, "x");
  } catch (e) {
    c.addIssue({ code: "custom", message: (e as Error).message.replace(/^x(: )?/, "") });
    return z.NEVER;
  }
});
const file = z.string().min(1);
const issuerName = z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, "an issuer name: letters, digits, '.', '_', '-'");
const url = z.string().regex(/^https?:\/\/\S+$/, "an http(s) URL");

const routeSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "a route name: letters, digits, '.', '_', '-'"),
  listen: hostPort,
  upstream: hostPort,
  servername: z.string().min(1).max(253).optional(),
  ca: file.optional(),
  issuer: issuerName.optional(),
  repository: url.optional(),
  clientTls: z.boolean().optional(),
  clientCa: file.optional(),
  clientIssuer: issuerName.optional(),
});

const fileSchema = z.strictObject({
  routes: z.array(routeSchema).min(1, "at least one route"),
  ca: file.optional(),
  issuer: issuerName.optional(),
  repository: url.optional(),
  cert: file.optional(),
  key: file.optional(),
  policy: file.optional(),
  log: file.optional(),
  refreshS: z.number().int().positive().optional(),
  status: hostPort.optional(),
  name: z.string().min(1).max(64).optional(),
  app: url.optional(),
  dataDir: file.optional(),
  clientIssuer: issuerName.optional(),
});

function fieldOf(prefix: string, p: PropertyKey[]): string {
  let s = prefix;
  for (const k of p) s += typeof k === "number" ? `[${k}]` : s ? `.${String(k)}` : String(k);
  return s || "config";
}

function parse<T>(schema: z.ZodType<T>, value: unknown, prefix: string, flagNames?: Record<string, string>): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = flagNames && issue.path.length ? (flagNames[String(issue.path[issue.path.length - 1])] ?? fieldOf(prefix, issue.path)) : fieldOf(prefix, issue.path);
  throw new InputError(field, `${field}: ${issue.message}`);
}

const FLAG = (k: string) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const ROUTE_FLAGS = ["listen", "upstream", "servername", "clientTls", "clientCa"] as const;

/** Builds the configuration from flags, or from `--config` (where the flags given override the file's top-level values). */
export function loadProxyConfig(flags: ProxyFlags): ProxyConfig {
  let raw: z.infer<typeof fileSchema>;
  let base = process.cwd();
  let prefix = "";
  if (flags.config) {
    const given = ROUTE_FLAGS.filter((k) => flags[k] !== undefined);
    if (given.length) throw new InputError(FLAG(given[0]), `--${FLAG(given[0])} describes one route; with --config the routes come from the file`);
    let text: string;
    try {
      text = fs.readFileSync(flags.config, "utf8");
    } catch (e) {
      throw new InputError("config", `cannot read ${flags.config}: ${(e as Error).message}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new InputError("config", `${flags.config} is not JSON: ${(e as Error).message}`);
    }
    prefix = "config";
    raw = parse(fileSchema, json, prefix);
    base = path.dirname(path.resolve(flags.config));
  } else {
    if (!flags.listen) throw new InputError("listen", "--listen is required (or --config F)");
    if (!flags.upstream) throw new InputError("upstream", "--upstream is required (or --config F)");
    raw = {
      routes: [
        {
          name: "default",
          listen: parseHostPort(flags.listen, "listen"),
          upstream: parseHostPort(flags.upstream, "upstream"),
          servername: flags.servername,
          clientTls: flags.clientTls,
          clientCa: flags.clientCa,
        },
      ],
    };
  }
  // Flags win over the file's top-level values.
  const top = {
    ca: flags.ca ?? raw.ca,
    issuer: flags.issuer ?? raw.issuer,
    repository: flags.repository ?? raw.repository,
    cert: flags.cert ?? raw.cert,
    key: flags.key ?? raw.key,
    policy: flags.policy ?? raw.policy,
    log: flags.log ?? raw.log,
    refreshS: flags.refreshS !== undefined ? positiveInt(flags.refreshS, "refresh-s") : (raw.refreshS ?? 300),
    status: flags.status !== undefined ? parseHostPort(flags.status, "status") : (raw.status ?? null),
    name: flags.name ?? raw.name ?? null,
    app: flags.app ?? raw.app ?? null,
    dataDir: flags.dataDir ?? raw.dataDir,
    clientIssuer: flags.clientIssuer ?? raw.clientIssuer,
  };
  if (flags.issuer !== undefined) parse(issuerName, flags.issuer, "issuer");
  if (flags.repository !== undefined) parse(url, flags.repository, "repository");
  if (flags.clientIssuer !== undefined) parse(issuerName, flags.clientIssuer, "client-issuer");
  if (flags.app !== undefined) parse(url, flags.app, "app");
  const where = (k: string) => (flags.config ? `config.${k}` : k);
  for (const k of ["cert", "key"] as const) if (!top[k]) throw new InputError(where(k), `--${k} is required (the proxy certificate and its key)`);
  const abs = (p: string) => path.resolve(base, p);
  const names = new Set<string>();
  const listens = new Set<string>();
  const routes: RouteConfig[] = raw.routes.map((r, i) => {
    const f = (k: string) => (flags.config ? `config.routes[${i}].${k}` : FLAG(k));
    if (names.has(r.name)) throw new InputError(f("name"), `${f("name")}: route "${r.name}" is named twice`);
    names.add(r.name);
    const listenKey = `${r.listen.host}:${r.listen.port}`;
    if (r.listen.port !== 0 && listens.has(listenKey)) throw new InputError(f("listen"), `${f("listen")}: ${listenKey} is used by two routes`);
    listens.add(listenKey);
    const ca = r.ca ?? top.ca;
    const issuer = r.issuer ?? top.issuer;
    const repository = r.repository ?? top.repository;
    if (!ca) throw new InputError(f("ca"), `${f("ca")}: the upstreams' CA certificate file is required`);
    if (!issuer) throw new InputError(f("issuer"), `${f("issuer")}: the upstreams' issuer name is required`);
    if (!repository) throw new InputError(f("repository"), `${f("repository")}: the Rootline repository URL is required`);
    const clientTls = r.clientTls ?? false;
    if (r.clientCa && !clientTls) throw new InputError(f("clientCa"), `${f("clientCa")} needs --client-tls (a plain TCP client presents no certificate)`);
    if (clientTls && !r.clientCa) throw new InputError(f("clientCa"), `${f("clientCa")}: --client-tls needs --client-ca F (the CA that client certificates must chain to)`);
    return {
      name: r.name,
      listen: r.listen,
      upstream: r.upstream,
      servername: r.servername ?? r.upstream.host,
      ca: abs(ca),
      issuer,
      repository: repository.replace(/\/+$/, ""),
      clientTls,
      clientCa: r.clientCa ? abs(r.clientCa) : null,
      clientIssuer: r.clientIssuer ?? top.clientIssuer ?? null,
    };
  });
  const log = top.log ? abs(top.log) : null;
  return {
    routes,
    cert: abs(top.cert!),
    key: abs(top.key!),
    policy: top.policy ? abs(top.policy) : null,
    log,
    refreshS: top.refreshS,
    status: top.status,
    name: top.name,
    app: top.app ? top.app.replace(/\/+$/, "") : null,
    dataDir: top.dataDir ? abs(top.dataDir) : log ? path.dirname(log) : path.resolve("proxy-data"),
  };
}

function positiveInt(v: string, field: string): number {
  if (!/^\d+$/.test(v) || Number(v) <= 0 || !Number.isSafeInteger(Number(v))) throw new InputError(field, `--${field} must be a positive whole number, got "${v}"`);
  return Number(v);
}
