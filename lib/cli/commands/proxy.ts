import type { Command } from "commander";

/** `rootline proxy`: the CA proxy (docs/PROXY.md). Never opens the database. */
export function register(program: Command): void {
  program
    .command("proxy")
    .description("run the CA proxy until SIGTERM/SIGINT: TLS to upstreams judged against the issuer's CA and revocation data (docs/PROXY.md)")
    .option("--listen <host:port>", "where clients connect (one route; or --config)")
    .option("--upstream <host:port>", "the TLS server behind this route")
    .option("--ca <file>", "the issuer's CA certificate the upstream must chain to")
    .option("--repository <url>", "the Rootline repository (e.g. https://ca.example/api/repository)")
    .option("--issuer <name>", "the issuer's name in the repository")
    .option("--cert <file>", "the proxy certificate (profile proxy), hot-reloaded")
    .option("--key <file>", "the proxy certificate's private key, hot-reloaded")
    .option("--servername <name>", "SNI sent upstream and the name its certificate must carry (default: the upstream host)")
    .option("--client-tls", "clients connect over TLS (the proxy certificate); those presenting a certificate are authenticated")
    .option("--client-ca <file>", "the CA client certificates must chain to (with --client-tls)")
    .option("--client-issuer <name>", "the client CA's issuer name (default --issuer when --client-ca is the --ca certificate)")
    .option("--policy <file>", "JSON policy, reloaded on SIGHUP and when the file changes")
    .option("--log <file>", "decision log (JSON lines)")
    .option("--refresh-s <n>", "refresh revocation data this often (seconds; default 300)")
    .option("--status <host:port>", "status server: GET /metrics, /status, /decisions; POST /refresh")
    .option("--config <file>", "several routes from a JSON file instead of --listen/--upstream")
    .option("--name <name>", "the proxy's registered name (reports to the app)")
    .option("--app <url>", "Rootline base URL to report decisions and metrics to")
    .option("--data-dir <dir>", "revocation state kept across restarts (default: the --log directory, else ./proxy-data)")
    .action(async (flags) => {
      const { loadProxyConfig } = await import("../../proxy/config");
      const { Proxy } = await import("../../proxy/proxy");
      const config = loadProxyConfig(flags);
      const proxy = await Proxy.start(config);
      let reporter: { stop(): void } | null = null;
      if (config.app) {
        const { startReporter } = await import("../../proxy/report");
        try {
          reporter = startReporter(proxy, { appUrl: config.app, intervalMs: 10_000 });
        } catch (e) {
          await proxy.stop("start failed");
          throw e;
        }
      }
      process.stderr.write(`rootline proxy: running${config.name ? ` as ${config.name}` : ""} (pid ${process.pid})\n`);
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once("SIGTERM", () => resolve("SIGTERM"));
        process.once("SIGINT", () => resolve("SIGINT"));
      });
      reporter?.stop();
      await proxy.stop(signal);
    });
}
