/**
 * Rootline's HTTP server: Next.js for the staff UI and most routes, with the hot
 * endpoints (device repository, certificate issuance API) answered first on plain
 * node:http by the same handlers (lib/http/fastPath.ts; lib/http/listener.ts puts the
 * security headers on every response and tells Next the client's address). Started by `npm start`
 * (`tsx server.ts`), `npm run dev` (`--dev`) and the end-to-end tests.
 */
import http from "node:http";
import next from "next";
import { requestListener } from "./lib/http/listener";

const dev = process.argv.includes("--dev");
const port = Number(process.env.PORT ?? 3000);
const hostname = process.env.HOST ?? "0.0.0.0";

async function main(): Promise<void> {
  const app = next({ dev, hostname, port });
  const handle = app.getRequestHandler();
  await app.prepare();
  // Security headers, the fast path, then Next with the trusted client-address/path headers.
  const server = http.createServer(requestListener(handle, { dev }));
  server.listen(port, hostname, () => console.log(`rootline: ready on http://${hostname === "0.0.0.0" ? "localhost" : hostname}:${port}${dev ? " (development)" : ""}`));
  const stop = () => server.close(() => process.exit(0));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

void main();
