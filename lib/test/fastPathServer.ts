/**
 * server.ts without Next: the same node:http server answering through lib/http/fastPath
 * (repository, /api/health, POST /api/v1/certificates, POST /api/rotation/agent) and the
 * rotation-run engine's timer, 404 for anything else. For fault
 * tests that need the real request path in a separate process but no `next build`.
 * Prints "listening <port>" once ready.
 */
import http from "node:http";
import { fastPath } from "../http/fastPath";
import { startRunTimer } from "../rotation-run/timer";

startRunTimer();

const server = http.createServer((req, res) => {
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
});
server.listen(0, "127.0.0.1", () => console.log(`listening ${(server.address() as { port: number }).port}`));
process.once("SIGTERM", () => server.close(() => process.exit(0)));
