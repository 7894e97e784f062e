/**
 * The proxy process's runtime (docs/PROXY.md): routes, the proxy certificate, the policy,
 * one IssuerRevocation per issuer, the decision log and metrics, the status server.
 * Reloads (policy and certificate) happen on SIGHUP and when the files change; a file that
 * does not load is refused and the previous one stays in force (stderr + reloads_total).
 * Revocation data is refreshed at start, every --refresh-s, and on POST /refresh.
 * Never opens the database.
 */
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { writeFileAtomic } from "../files/atomic";
import { InputError } from "../errors";
import type { Certificate } from "../pki/certificate";
import { loadCaCertificates } from "./clientAuth";
import type { ProxyConfig } from "./config";
import { DecisionLog } from "./decisions";
import { Identity, type IdentityEvent } from "./identity";
import { METRICS_CONTENT_TYPE, Metrics } from "./metrics";
import { ALLOW_ALL, parsePolicy, type Policy } from "./policy";
import { IssuerRevocation, type RefreshResult } from "./revocation";
import { Route } from "./route";

/** What H-B's reporter (lib/proxy/report.ts) gets; see /work/notes/proxy-design.md. */
export interface ProxyRuntime {
  name: string | null;
  decisions: DecisionLog;
  metrics: Metrics;
  identity(): { certPem: string; keyPem: string };
  applyPolicy(p: Policy, source: string): Promise<void>;
  status(): unknown;
}

export interface StartOptions {
  log?: (line: string) => void;
  /** Install SIGHUP (reload) handlers; the CLI does, tests of the runtime in-process need not. */
  signals?: boolean;
  fetchTimeoutMs?: number;
}

interface IssuerSource {
  issuer: string;
  repository: string;
  caFile: string;
  cas: Certificate[];
  revocation: IssuerRevocation;
}

function readCa(file: string, field: string): { bytes: Uint8Array; cas: Certificate[] } {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new InputError(field, `cannot read ${file}: ${(e as Error).message}`);
  }
  return { bytes, cas: loadCaCertificates(bytes, field) };
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

export class Proxy implements ProxyRuntime {
  readonly name: string | null;
  readonly decisions: DecisionLog;
  readonly metrics = new Metrics();
  readonly routes: Route[] = [];
  private readonly ident: Identity;
  private policyNow: Policy = ALLOW_ALL;
  private policySource = "default (no --policy: allow all)";
  private policyProblem: string | null = null;
  private readonly sources = new Map<string, IssuerSource>();
  private watchers: fs.FSWatcher[] = [];
  private timers: NodeJS.Timeout[] = [];
  private statusServer: http.Server | null = null;
  private readonly startedAt = new Date().toISOString();
  private readonly log: (line: string) => void;
  private readonly onHup = () => this.reloadAll("SIGHUP");
  private stopping = false;
  ports: Record<string, number> = {};
  statusPort: number | null = null;

  private constructor(
    readonly config: ProxyConfig,
    private readonly o: StartOptions,
  ) {
    this.name = config.name;
    this.log = o.log ?? ((line) => process.stderr.write(`rootline proxy: ${line}\n`));
    this.decisions = new DecisionLog({ file: config.log ?? undefined });
    this.ident = new Identity(config.cert, config.key, (e) => this.identityEvent(e));
  }

  /** Loads everything, refreshes revocation data once (bounded), then listens. */
  static async start(config: ProxyConfig, o: StartOptions = {}): Promise<Proxy> {
    fs.mkdirSync(config.dataDir, { recursive: true });
    const p = new Proxy(config, o);
    try {
      await p.init();
    } catch (e) {
      await p.stop("start failed").catch(() => {});
      throw e;
    }
    return p;
  }

  private async source(issuer: string, repository: string, caFile: string, field: string): Promise<IssuerSource> {
    const { cas } = readCa(caFile, field);
    const had = this.sources.get(issuer);
    if (had) {
      if (had.repository !== repository) throw new InputError(field, `issuer ${issuer} is given two repositories (${had.repository}, ${repository})`);
      if (!cas.every((c) => had.cas.some((h) => sameBytes(h.der, c.der)))) throw new InputError(field, `issuer ${issuer} is given two different CA files (${had.caFile}, ${caFile})`);
      return had;
    }
    const revocation = await IssuerRevocation.open({ repository, issuer, caCertDer: cas[0].der, dataDir: this.config.dataDir, fetchTimeoutMs: this.o.fetchTimeoutMs ?? 5000 });
    const s = { issuer, repository, caFile, cas, revocation };
    this.sources.set(issuer, s);
    return s;
  }

  /**
   * Without --policy, the last policy the app sent is kept here, so a restart decides with it
   * from the first connection instead of allowing everything until the first report returns.
   */
  private get appPolicyFile(): string {
    return path.join(this.config.dataDir, "app-policy.json");
  }

  private async init(): Promise<void> {
    const c = this.config;
    if (c.policy) this.policyNow = this.loadPolicyFile(true)!;
    else if (c.app && fs.existsSync(this.appPolicyFile)) {
      try {
        this.policyNow = parsePolicy(fs.readFileSync(this.appPolicyFile, "utf8"), "policy");
        this.policySource = `the app's last policy (${this.appPolicyFile})`;
      } catch (e) {
        // Written only by applyPolicy after validation: a bad file is damage, so deny until the app answers.
        this.policyNow = { default: "deny", rules: [] };
        this.policySource = "deny all until the app answers";
        this.policyProblem = `${this.appPolicyFile}: ${(e as Error).message}`;
        this.log(`the app's stored policy does not load (${(e as Error).message}): denying every client until the app sends one`);
      }
    }
    for (const [i, r] of c.routes.entries()) {
      const field = c.routes.length > 1 ? `config.routes[${i}]` : "";
      const f = (k: string) => (field ? `${field}.${k}` : k);
      const up = await this.source(r.issuer, r.repository, r.ca, f("ca"));
      let clientCas: Certificate[] | null = null;
      let clientRevocation: IssuerRevocation | null = null;
      if (r.clientTls && r.clientCa) {
        const { cas } = readCa(r.clientCa, f("client-ca"));
        clientCas = cas;
        // The client CA's issuer: --client-issuer, or --issuer when it is the very same CA certificate.
        let clientIssuer = r.clientIssuer;
        if (!clientIssuer) {
          if (cas.length === up.cas.length && cas.every((x, k) => sameBytes(x.der, up.cas[k].der))) clientIssuer = r.issuer;
          else throw new InputError(f("client-issuer"), `--client-ca is not the --ca certificate: name its issuer with --client-issuer NAME (its revocation data comes from ${r.repository})`);
        }
        const cs = await this.source(clientIssuer, r.repository, r.clientCa, f("client-ca"));
        clientRevocation = cs.revocation;
      }
      this.routes.push(
        new Route(r, {
          identity: this.ident,
          policy: () => this.policyNow,
          decisions: this.decisions,
          metrics: this.metrics,
          upstreamCas: up.cas,
          upstreamRevocation: up.revocation,
          clientCas,
          clientRevocation,
          log: this.log,
        }),
      );
    }
    const results = await this.refresh();
    for (const [issuer, r] of Object.entries(results)) this.log(`revocation ${issuer}: info ${r.info}, crl ${r.crl}${r.detail ? ` (${r.detail})` : ""}`);
    for (const route of this.routes) {
      const port = await route.listen();
      this.ports[route.config.name] = port;
      this.log(`route ${route.config.name} listening on ${route.config.listen.host}:${port} (${route.config.clientTls ? "TLS" : "TCP"}) → ${route.upstreamName} (servername ${route.config.servername})`);
    }
    if (c.status) await this.listenStatus(c.status.host, c.status.port);
    this.watch();
    if (this.o.signals !== false) process.on("SIGHUP", this.onHup);
    const t = setInterval(() => void this.refresh(), c.refreshS * 1000);
    t.unref();
    this.timers.push(t);
  }

  // ------------------------------------------------------------------ revocation

  /** Refreshes every issuer (concurrent calls share the fetches, see IssuerRevocation). */
  async refresh(): Promise<Record<string, RefreshResult>> {
    const out: Record<string, RefreshResult> = {};
    await Promise.all(
      [...this.sources.values()].map(async (s) => {
        const r = await s.revocation.refresh();
        out[s.issuer] = r;
        this.metrics.inc("rootline_proxy_revocation_refresh_total", { issuer: s.issuer, document: "info", result: r.info });
        this.metrics.inc("rootline_proxy_revocation_refresh_total", { issuer: s.issuer, document: "crl", result: r.crl });
        const rn = s.revocation.snapshot().revocationNumber;
        this.metrics.set("rootline_proxy_revocation_number", { issuer: s.issuer }, rn === null ? -1 : Number(rn));
        if (r.info === "rejected" || r.crl === "rejected") this.log(`revocation ${s.issuer}: refused new data, the last good copy stays (info ${r.info}, crl ${r.crl}${r.detail ? `: ${r.detail}` : ""})`);
      }),
    );
    return out;
  }

  // ------------------------------------------------------------------ policy + identity reloads

  /** Reads --policy; at start an invalid file is fatal, later it is refused and the old policy stays. */
  private loadPolicyFile(initial = false): Policy | null {
    const file = this.config.policy!;
    try {
      const text = fs.readFileSync(file, "utf8");
      const p = parsePolicy(text, "policy");
      this.policySource = file;
      this.policyProblem = null;
      return p;
    } catch (e) {
      const why = e instanceof InputError ? e.message : `cannot read ${file}: ${(e as Error).message}`;
      if (initial) throw new InputError("policy", why);
      this.policyProblem = `${new Date().toISOString()}: ${why}`;
      return null;
    }
  }

  reloadPolicy(why: string): boolean {
    if (!this.config.policy) return false;
    const p = this.loadPolicyFile();
    if (!p) {
      this.metrics.inc("rootline_proxy_reloads_total", { what: "policy", result: "rejected" });
      this.log(`policy reload (${why}) refused, the previous policy stays: ${this.policyProblem}`);
      return false;
    }
    const changed = JSON.stringify(p) !== JSON.stringify(this.policyNow);
    this.policyNow = p;
    this.metrics.inc("rootline_proxy_reloads_total", { what: "policy", result: changed ? "loaded" : "unchanged" });
    if (changed) this.log(`policy reloaded (${why}): default ${p.default}, ${p.rules.length} rule(s)`);
    return true;
  }

  private identityEvent(e: IdentityEvent): void {
    this.metrics.inc("rootline_proxy_reloads_total", { what: "certificate", result: e.result });
    if (e.result === "rejected") return this.log(`certificate reload refused, the previous certificate stays: ${e.reason}`);
    if (e.result === "loaded") {
      for (const r of this.routes) r.reloadServerIdentity();
      this.log(`certificate reloaded: ${e.identity.certificate.subject}, serial ${e.identity.certificate.serial}, valid until ${e.identity.certificate.notAfter.toISOString()}`);
    }
  }

  reloadAll(why: string): void {
    this.reloadPolicy(why);
    this.ident.reload();
  }

  private watch(): void {
    this.ident.watch();
    const file = this.config.policy;
    if (!file) return;
    // The directory, not the file: editors and writeFileAtomic replace it by rename.
    let timer: NodeJS.Timeout | null = null;
    const w = fs.watch(path.dirname(file), (_e, name) => {
      if (name && name.toString() !== path.basename(file)) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = null;
        this.reloadPolicy("file changed");
      }, 150);
    });
    w.on("error", () => {});
    this.watchers.push(w);
  }

  // ------------------------------------------------------------------ ProxyRuntime

  identity(): { certPem: string; keyPem: string } {
    const i = this.ident.current();
    return { certPem: i.certPem, keyPem: i.keyPem };
  }

  async applyPolicy(p: Policy, source: string): Promise<void> {
    const valid = parsePolicy(p, "policy");
    if (this.config.policy) {
      await writeFileAtomic(this.config.policy, JSON.stringify(valid, null, 2) + "\n");
      this.reloadPolicy(`applied from ${source}`);
    } else {
      await writeFileAtomic(this.appPolicyFile, JSON.stringify(valid, null, 2) + "\n");
      this.policyNow = valid;
      this.policySource = source;
      this.policyProblem = null;
      this.metrics.inc("rootline_proxy_reloads_total", { what: "policy", result: "loaded" });
      this.log(`policy applied from ${source} (no --policy file: kept in ${this.appPolicyFile})`);
    }
  }

  status(): unknown {
    const id = this.ident.current();
    return {
      name: this.name,
      startedAt: this.startedAt,
      pid: process.pid,
      certificate: { subject: id.certificate.subject, serial: id.certificate.serial.toString(), notAfter: id.certificate.notAfter.toISOString(), loadedAt: id.loadedAt },
      policy: { source: this.policySource, default: this.policyNow.default, rules: this.policyNow.rules.length, problem: this.policyProblem },
      routes: this.routes.map((r) => ({
        name: r.config.name,
        listen: `${r.config.listen.host}:${this.ports[r.config.name] ?? r.config.listen.port}`,
        upstream: r.upstreamName,
        servername: r.config.servername,
        issuer: r.config.issuer,
        clientTls: r.config.clientTls,
        openConnections: r.openConnections,
      })),
      revocation: [...this.sources.values()].map((s) => ({ repository: s.repository, ...s.revocation.snapshot() })),
      refreshS: this.config.refreshS,
      lastDecision: this.decisions.lastSeq,
    };
  }

  // ------------------------------------------------------------------ status server

  private async listenStatus(host: string, port: number): Promise<void> {
    const json = (res: http.ServerResponse, code: number, body: unknown) => {
      res.writeHead(code, { "Content-Type": "application/json" });
      res.end(JSON.stringify(body, null, 2) + "\n");
    };
    const srv = http.createServer((req, res) => {
      const u = new URL(req.url ?? "/", "http://status");
      const route = `${req.method} ${u.pathname}`;
      if (route === "GET /metrics") {
        res.writeHead(200, { "Content-Type": METRICS_CONTENT_TYPE });
        return void res.end(this.metrics.render());
      }
      if (route === "GET /status") return json(res, 200, this.status());
      if (route === "GET /decisions") {
        const since = Number(u.searchParams.get("since") ?? "0");
        const limit = u.searchParams.has("limit") ? Number(u.searchParams.get("limit")) : undefined;
        if (!Number.isSafeInteger(since) || since < 0 || (limit !== undefined && (!Number.isSafeInteger(limit) || limit <= 0))) return json(res, 400, { error: "since and limit are whole numbers" });
        return json(res, 200, { decisions: this.decisions.since(since, limit), lastSeq: this.decisions.lastSeq });
      }
      if (route === "POST /refresh") {
        req.resume();
        return void this.refresh().then(
          (r) => json(res, 200, { refreshed: r }),
          (e: Error) => json(res, 500, { error: e.message }),
        );
      }
      json(res, 404, { error: "GET /metrics, GET /status, GET /decisions?since=SEQ&limit=N, POST /refresh" });
    });
    await new Promise<void>((resolve, reject) => {
      srv.once("error", reject);
      srv.listen(port, host, () => resolve());
    });
    this.statusServer = srv;
    this.statusPort = (srv.address() as { port: number }).port;
    this.log(`status on http://${host}:${this.statusPort} (GET /metrics, /status, /decisions; POST /refresh)`);
  }

  /** Graceful: stop accepting, let open connections finish (up to graceMs), flush the log. */
  async stop(why: string, graceMs = 5000): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    process.off("SIGHUP", this.onHup);
    for (const t of this.timers) clearInterval(t);
    for (const w of this.watchers) w.close();
    this.ident.close();
    const status = this.statusServer;
    if (status) {
      status.closeAllConnections();
      await new Promise<void>((r) => status.close(() => r()));
    }
    await Promise.all(this.routes.map((r) => r.close(graceMs)));
    await this.decisions.close();
    this.log(`stopped (${why})`);
  }
}
