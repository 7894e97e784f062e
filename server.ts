/**
 * Rootline's HTTP server: Next.js for the staff UI and most routes, with the hot
 * endpoints (device repository, certificate issuance API) answered first on plain
 * node:http by the same handlers (lib/http/fastPath.ts; lib/http/listener.ts puts the
 * security headers on every response and tells Next the client's address). Started by `npm start`
 * (`tsx server.ts`), `npm run dev` (`--dev`) and the end-to-end tests.
 * With ROOTLINE_HTTPS_PORT and ROOTLINE_HTTPS_ISSUER the same listener also serves HTTPS,
 * with a server certificate Rootline issues and renews itself (lib/https).
 */
import http from "node:http";
import next from "next";
import { cliFailure } from "./lib/errors";
import { requestListener } from "./lib/http/listener";
import { httpsConfigFromEnv, type HttpsConfig } from "./lib/https/config";
import { startHttpsListener, type HttpsListener } from "./lib/https/listener";

const dev = process.argv.includes("--dev");
const port = Number(process.env.PORT ?? 3000);
const hostname = process.env.HOST ?? "0.0.0.0";

async function main(): Promise<void> {
  let httpsConfig: HttpsConfig | null;
  try {
    httpsConfig = httpsConfigFromEnv(); // a bad variable stops the start, naming it
  } catch (err) {
    console.error(cliFailure(err).message);
    process.exit(2);
  }
  const app = next({ dev, hostname, port });
  const handle = app.getRequestHandler();
  await app.prepare();
  // Security headers, the fast path, then Next with the trusted client-address/path headers.
  const listener = requestListener(handle, { dev });
  const server = http.createServer(listener);
  server.listen(port, hostname, () => console.log(`rootline: ready on http://${hostname === "0.0.0.0" ? "localhost" : hostname}:${port}${dev ? " (development)" : ""}`));
  // HTTPS starts once its issuer exists (it may be created after start-up); plain HTTP does not wait.
  let secure: HttpsListener | null = null;
  let stopWaiting = () => {};
  if (httpsConfig) {
    startHttpsListener(httpsConfig, hostname, listener, (s) => (stopWaiting = s))
      .then((l) => (secure = l))
      .catch((err) => console.error("rootline: the HTTPS listener did not start:", err));
  }
  const stop = () => {
    stopWaiting();
    void secure?.stop();
    server.close(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

void main();
