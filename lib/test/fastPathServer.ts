/**
 * server.ts without Next: the same node:http server answering through lib/http/fastPath
 * (repository, /api/health, POST /api/v1/certificates, POST /api/rotation/agent) and the
 * rotation-run engine's timer, 404 for anything else. For fault
 * tests that need the real request path in a separate process but no `next build`.
 * Prints "listening <port>" once ready.
 *
 * HTTPS as server.ts does it (lib/https), for protocol tests with real clients: with
 * ROOTLINE_HTTPS_PORT (0: any free port), ROOTLINE_HTTPS_ISSUER and optionally
 * ROOTLINE_HTTPS_NAMES / ROOTLINE_HTTPS_CHECK_SECONDS, the same handler also listens on
 * HTTPS, and "listening-https <port>" is printed (after "listening <port>") once it does —
 * when the issuer exists, which may be later.
 */
import http from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import { cliFailure } from "../errors";
import { fastPath } from "../http/fastPath";
import { httpsConfigFromEnv } from "../https/config";
import { startHttpsListener, type HttpsListener } from "../https/listener";
import { startRunTimer } from "../rotation-run/timer";

startRunTimer();

const handler = (req: IncomingMessage, res: ServerResponse) => {
  fastPath(req, res)
    .then((answered) => {
      if (!answered) {
        res.writeHead(404, { "Content-Type": "application/json" });
        res.end('{"error":"not served by the fast path"}');
      }
    })
    .catch((err) => {
      // As server.ts: an escaped error is a 500 (the fault test counts these as failures).
      console.error("rootline: request failed:", err);
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "application/json" });
      res.end('{"error":"internal error; nothing was changed"}');
    });
};
const server = http.createServer(handler);
let secure: HttpsListener | null = null;
let stopWaiting = () => {};
server.listen(0, "127.0.0.1", () => {
  console.log(`listening ${(server.address() as { port: number }).port}`);
  let config;
  try {
    config = httpsConfigFromEnv();
  } catch (err) {
    console.error(cliFailure(err).message);
    process.exit(2);
  }
  if (!config) return;
  startHttpsListener(config, "127.0.0.1", handler, (s) => (stopWaiting = s))
    .then((l) => {
      secure = l;
      if (l) console.log(`listening-https ${l.port}`);
    })
    .catch((err) => console.error("rootline: the HTTPS listener did not start:", err));
});
process.once("SIGTERM", () => {
  stopWaiting();
  void secure?.stop();
  server.close(() => process.exit(0));
});
