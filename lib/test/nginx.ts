/**
 * Debian's nginx as a shared HTTP cache in front of the repository (docs/OPERATIONS.md,
 * "Behind a cache or CDN"), run in the foreground from a temp directory by the current
 * user, for lib/repository/nginx.process.test.ts and `npm run bench -- cache`.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export const NGINX = ["/usr/sbin/nginx", "/usr/bin/nginx"].find((p) => fs.existsSync(p)) ?? null;

export interface NginxConfig {
  /** The app ("127.0.0.1:3000"). */
  origin: string;
  /** Where the cache listens. */
  cachePort: number;
  /** With a static export: a second listener serving `<root>/api/repository/…` as files. */
  staticPort?: number;
  staticRoot?: string;
  dir: string;
}

/**
 * The recommended configuration. nginx does not store a `no-cache` response, so the
 * repository's revalidated documents would all be passed through. The inner hop (a unix
 * socket) turns the app's `no-cache` into "stored, already stale" (`X-Accel-Expires: @1`):
 * the cache keeps the body and asks the app with If-None-Match on every request
 * (`proxy_cache_revalidate`), the app answers 304 from memory, and a new RN or CRL is served
 * at once. Responses with a max-age (CA certificates) are cached as the app says.
 */
export function nginxConfig(c: NginxConfig): string {
  const d = c.dir;
  const user = process.getuid?.() === 0 ? "user root;\n" : "";
  const staticServer = c.staticPort
    ? `
  # The static export (rootline repository export --dir ${c.staticRoot}/api/repository): same paths, same types.
  server {
    listen 127.0.0.1:${c.staticPort};
    root ${c.staticRoot};
    types { }
    default_type application/octet-stream;
    location ~ /(issuers|revocation-info)$ { default_type application/json; add_header Cache-Control "public, no-cache"; }
    location ~ /revocation-info\\.der$ { add_header Cache-Control "public, no-cache"; }
    location ~ /crl$ { default_type application/pkix-crl; add_header Cache-Control "public, no-cache"; }
    location ~ /ca\\.crt$ { default_type application/pkix-cert; add_header Cache-Control "public, max-age=3600"; }
    location ~ /ca\\.pem$ { default_type application/x-pem-file; add_header Cache-Control "public, max-age=3600"; }
  }`
    : "";
  return `${user}worker_processes 1;
pid ${d}/nginx.pid;
error_log ${d}/error.log warn;
events { worker_connections 1024; }
http {
  log_format cache '$request_uri $status $upstream_cache_status $upstream_status';
  access_log ${d}/access.log cache;
  client_body_temp_path ${d}/body; proxy_temp_path ${d}/proxy; fastcgi_temp_path ${d}/fastcgi; uwsgi_temp_path ${d}/uwsgi; scgi_temp_path ${d}/scgi;
  proxy_cache_path ${d}/cache levels=1:2 keys_zone=repository:10m max_size=1g inactive=7d use_temp_path=off;

  # Inner hop: the revalidated documents are stored but already stale.
  server {
    listen unix:${d}/origin.sock;
    access_log off;
    location / { proxy_pass http://${c.origin}; }
    location ~ ^/api/repository/[^/]+/(revocation-info|revocation-info\\.der|crl)$|^/api/repository/issuers$ {
      proxy_pass http://${c.origin};
      proxy_hide_header Cache-Control;
      add_header X-Accel-Expires @1;
    }
  }

  server {
    listen 127.0.0.1:${c.cachePort};
    location /api/repository/ {
      proxy_pass http://unix:${d}/origin.sock;
      proxy_cache repository;
      proxy_cache_revalidate on;          # revalidate with the stored ETag (If-None-Match)
      proxy_cache_valid 200 1m;           # only for answers that carry no validity of their own
      proxy_cache_lock on;                # one fetch per document when many devices ask at once
      proxy_cache_use_stale updating error timeout http_502 http_503;
      add_header X-Cache-Status $upstream_cache_status always;
    }
    location ~ ^/api/repository/[^/]+/(revocation-info|revocation-info\\.der|crl)$|^/api/repository/issuers$ {
      proxy_pass http://unix:${d}/origin.sock;
      proxy_cache repository;
      proxy_cache_revalidate on;
      proxy_cache_lock on;
      add_header Cache-Control "public, no-cache" always;   # what the app said, for devices and caches further out
      add_header X-Cache-Status $upstream_cache_status always;
    }
  }${staticServer}
}
`;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

export interface NginxProcess {
  cachePort: number;
  staticPort?: number;
  dir: string;
  /** Access-log lines: "<uri> <status> <cache status> <upstream status>". */
  log(): string[];
  stop(): Promise<void>;
}

export async function startNginx(o: { origin: string; staticRoot?: string }): Promise<NginxProcess> {
  if (!NGINX) throw new Error("nginx is not installed (apt-get install nginx)");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rootline-nginx-"));
  const cachePort = await freePort();
  const staticPort = o.staticRoot ? await freePort() : undefined;
  const conf = path.join(dir, "nginx.conf");
  fs.writeFileSync(conf, nginxConfig({ origin: o.origin, cachePort, staticPort, staticRoot: o.staticRoot, dir }));
  const t = spawnSync(NGINX, ["-t", "-p", dir, "-c", conf, "-g", "daemon off;"], { encoding: "utf8" });
  if (t.status !== 0) throw new Error(`nginx -t failed: ${t.stderr}`);
  const child: ChildProcess = spawn(NGINX, ["-p", dir, "-c", conf, "-g", "daemon off;"], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // Ready when it accepts connections.
  for (let i = 0; ; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(cachePort, "127.0.0.1", () => (s.destroy(), resolve(true)));
      s.on("error", () => resolve(false));
    });
    if (ok) break;
    if (i > 200 || child.exitCode !== null) throw new Error(`nginx did not start: ${err}${fs.existsSync(path.join(dir, "error.log")) ? fs.readFileSync(path.join(dir, "error.log"), "utf8") : ""}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    cachePort,
    staticPort,
    dir,
    log: () => (fs.existsSync(path.join(dir, "access.log")) ? fs.readFileSync(path.join(dir, "access.log"), "utf8").split("\n").filter(Boolean) : []),
    async stop() {
      if (child.exitCode === null) child.kill("SIGQUIT"); // graceful: workers finish, master removes its pid file
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
